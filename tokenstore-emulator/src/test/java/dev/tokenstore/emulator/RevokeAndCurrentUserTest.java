package dev.tokenstore.emulator;

import static dev.tokenstore.emulator.Http.params;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RevokeAndCurrentUserTest {
  private static final String INVALID_TOKEN =
      "{\"code\":\"INVALID_TOKEN\",\"details\":{},\"message\":\"invalid oauth token\",\"status\":\"error\"}";

  @Test
  void revokingARefreshTokenKillsItAndItsAccessTokens() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply first = Http.tokens(emu, "c", "s");
      String rt = first.text("refresh_token");
      String a2 = Http.refresh(emu, "c", "s", rt).text("access_token");
      Http.Reply unrelated = Http.tokens(emu, "c", "s");

      Http.Reply r = Http.revoke(emu, rt);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"status\":\"success\"}");
      assertThat(emu.isRefreshTokenValid(rt)).isFalse();
      assertThat(emu.isAccessTokenValid(first.text("access_token"))).isFalse();
      assertThat(emu.isAccessTokenValid(a2)).isFalse();
      assertThat(Http.currentUser(emu, a2).status()).isEqualTo(401);
      assertThat(Http.refresh(emu, "c", "s", rt).body()).isEqualTo("{\"error\":\"invalid_code\"}");
      assertThat(emu.refreshTokenCount(AccountsEmulator.DEFAULT_USER)).isEqualTo(1);

      assertThat(emu.isRefreshTokenValid(unrelated.text("refresh_token"))).isTrue();
      assertThat(emu.isAccessTokenValid(unrelated.text("access_token"))).isTrue();

      // A second revoke of the same token: the token is unknown now.
      assertThat(Http.revoke(emu, rt).status()).isEqualTo(400);
      assertThat(emu.revokeCalls()).isEqualTo(2);
    }
  }

  @Test
  void revokingAnAccessTokenKillsOnlyThatToken() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply t = Http.tokens(emu, "c", "s");
      String other = Http.refresh(emu, "c", "s", t.text("refresh_token")).text("access_token");
      assertThat(Http.revoke(emu, t.text("access_token")).text("status")).isEqualTo("success");
      assertThat(emu.isAccessTokenValid(t.text("access_token"))).isFalse();
      assertThat(emu.isAccessTokenValid(other)).isTrue();
      assertThat(emu.isRefreshTokenValid(t.text("refresh_token"))).isTrue();
    }
  }

  @Test
  void unknownOrMissingTokensGiveHttp400AndAFormBodyWorksToo() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply unknown = Http.revoke(emu, "1000.unknown.token");
      assertThat(unknown.status()).isEqualTo(400);
      assertThat(unknown.text("status")).isEqualTo("failure");
      assertThat(Http.post(emu.revokeUrl(), Map.of()).status()).isEqualTo(400);

      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      assertThat(Http.post(emu.revokeUrl(), params("token", rt)).status()).isEqualTo(200);
      assertThat(emu.isRefreshTokenValid(rt)).isFalse();
    }
  }

  @Test
  void currentUserAcceptsZohoAndBearerSchemes() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().user("jane.doe@example.com").start()) {
      String access = Http.tokens(emu, "c", "s").text("access_token");
      Http.Reply zoho = Http.currentUser(emu, access);
      assertThat(zoho.status()).isEqualTo(200);
      assertThat(zoho.json().at("/users/0/email").asText()).isEqualTo("jane.doe@example.com");
      assertThat(zoho.json().at("/users/0/full_name").asText()).isEqualTo("Jane Doe");
      assertThat(zoho.json().at("/users/0/id").asText()).matches("[0-9]{19}");

      Http.Reply bearer = Http.get(emu.currentUserUrl(), "Authorization", "Bearer " + access);
      assertThat(bearer.json()).isEqualTo(zoho.json());
      Http.Reply olderVersion =
          Http.get(emu.baseUrl() + "/crm/v2/users?type=CurrentUser", "Authorization", "Zoho-oauthtoken " + access);
      assertThat(olderVersion.json()).isEqualTo(zoho.json());
      assertThat(emu.userInfoCalls()).isEqualTo(3);

      Http.Reply allUsers =
          Http.get(emu.baseUrl() + "/crm/v8/users?type=AllUsers", "Authorization", "Zoho-oauthtoken " + access);
      assertThat(allUsers.status()).isEqualTo(400);
    }
  }

  @Test
  void missingUnknownRevokedOrWronglySchemedTokensGive401InvalidToken() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String access = Http.tokens(emu, "c", "s").text("access_token");
      Http.Reply missing = Http.get(emu.currentUserUrl());
      assertThat(missing.status()).isEqualTo(401);
      assertThat(missing.body()).isEqualTo(INVALID_TOKEN);
      assertThat(Http.currentUser(emu, "1000.unknown.token").body()).isEqualTo(INVALID_TOKEN);
      assertThat(Http.get(emu.currentUserUrl(), "Authorization", "Basic " + access).status()).isEqualTo(401);
      Http.revoke(emu, access);
      Http.Reply revoked = Http.currentUser(emu, access);
      assertThat(revoked.status()).isEqualTo(401);
      assertThat(revoked.body()).isEqualTo(INVALID_TOKEN);
    }
  }
}
