package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The CRM API stand-in, rejecting API calls, and the helpers that issue and revoke tokens without HTTP. */
class ApiAndSeedingTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void apiCallsWithAValidTokenGetAnEmptyPageAndAreCountedApartFromUserInfo() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String access = Http.tokens(emu, "c", "s").text("access_token");
      assertThat(emu.apiUrl("Leads")).isEqualTo(emu.baseUrl() + "/crm/v8/Leads");

      Http.Reply ok = Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken " + access);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.json().get("data").isArray()).isTrue();
      assertThat(ok.json().get("data").size()).isZero();
      assertThat(ok.json().get("info").get("more_records").asBoolean()).isFalse();
      Http.Reply post = Http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/crm/v2/Deals/upsert"))
          .header("Authorization", "Bearer " + access)
          .POST(HttpRequest.BodyPublishers.ofString("{\"data\":[]}"))
          .build());
      assertThat(post.status()).isEqualTo(200);
      Http.Reply none = Http.get(emu.apiUrl("Leads"));
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.text("code")).isEqualTo("INVALID_TOKEN");
      assertThat(Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken 1000.unknown").status())
          .isEqualTo(401);
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(200);

      assertThat(emu.apiCalls()).isEqualTo(4);
      assertThat(emu.userInfoCalls()).isEqualTo(1);
      emu.resetCounters();
      assertThat(emu.apiCalls()).isZero();
    }
  }

  @Test
  void apiCallsWithAnExpiredOrRevokedTokenAre401() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu = AccountsEmulator.builder().clock(clock).start()) {
      String expiring = Http.tokens(emu, "c", "s").text("access_token");
      String revoked = Http.tokens(emu, "c", "s").text("access_token");
      assertThat(emu.revokeToken(revoked)).isTrue();
      assertThat(Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken " + revoked).status())
          .isEqualTo(401);
      clock.advance(Duration.ofHours(1));
      assertThat(Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken " + expiring).status())
          .isEqualTo(401);
    }
  }

  @Test
  void rejectingApiCallsGives401ToEveryApiCallUntilSwitchedOff() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String access = Http.tokens(emu, "c", "s").text("access_token");
      emu.rejectApiCalls(true);

      Http.Reply leads = Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken " + access);
      assertThat(leads.status()).isEqualTo(401);
      assertThat(leads.text("code")).isEqualTo("INVALID_TOKEN");
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(401);
      assertThat(emu.isAccessTokenValid(access)).isTrue(); // the token itself is unchanged

      emu.rejectApiCalls(false);
      assertThat(Http.get(emu.apiUrl("Leads"), "Authorization", "Zoho-oauthtoken " + access).status())
          .isEqualTo(200);
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(200);
      assertThat(emu.apiCalls()).isEqualTo(2);
    }
  }

  @Test
  void issuedTokensWorkLikeExchangedOnesWithoutBeingCounted() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu = AccountsEmulator.builder().clock(clock).accessTokenTtl(Duration.ofMinutes(30))
        .registerClient("c", "s").start()) {
      IssuedTokens t = emu.issueTokens("c", "ZohoCRM.modules.ALL", "ada@example.com");

      assertThat(t.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(30)));
      assertThat(emu.isAccessTokenValid(t.accessToken())).isTrue();
      assertThat(emu.isRefreshTokenValid(t.refreshToken())).isTrue();
      assertThat(emu.refreshTokenCount("ada@example.com")).isEqualTo(1);
      assertThat(emu.tokenCalls()).isZero();
      assertThat(t.toString()).doesNotContain(t.accessToken()).doesNotContain(t.refreshToken());

      Http.Reply user = Http.currentUser(emu, t.accessToken());
      assertThat(user.json().get("users").get(0).get("email").asText()).isEqualTo("ada@example.com");
      Http.Reply refreshed = Http.refresh(emu, "c", "s", t.refreshToken());
      assertThat(emu.isAccessTokenValid(refreshed.text("access_token"))).isTrue();
      // bound to its client
      assertThat(Http.refresh(emu, "other", "s", t.refreshToken()).text("error")).isEqualTo("invalid_client");
    }
  }

  @Test
  void revokeTokenRevokesARefreshTokenWithItsAccessTokensWithoutCounting() {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      IssuedTokens t = emu.issueTokens("c", "", "ada@example.com");
      IssuedTokens other = emu.issueTokens("c", "", "ada@example.com");

      assertThat(emu.revokeToken(other.accessToken())).isTrue();
      assertThat(emu.isAccessTokenValid(other.accessToken())).isFalse();
      assertThat(emu.isRefreshTokenValid(other.refreshToken())).isTrue();

      assertThat(emu.revokeToken(t.refreshToken())).isTrue();
      assertThat(emu.isRefreshTokenValid(t.refreshToken())).isFalse();
      assertThat(emu.isAccessTokenValid(t.accessToken())).isFalse();
      assertThat(emu.revokeToken(t.refreshToken())).isFalse();
      assertThat(emu.revokeToken("1000.never-issued")).isFalse();
      assertThat(emu.revokeCalls()).isZero();
    }
  }

  @Test
  void selfClientGrantCodeIsExchangedWithoutARedirectUriOnceAndByItsClientOnly() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().registerClient("c", "s", "https://app.example.com/cb")
        .start()) {
      String code = emu.issueSelfClientGrantCode("c", "ZohoCRM.modules.ALL", "grace@example.com");
      Http.Reply r = Http.post(emu.tokenUrl(), Http.params(
          "grant_type", "authorization_code", "client_id", "c", "client_secret", "s", "code", code));
      assertThat(r.status()).isEqualTo(200);
      assertThat(emu.isRefreshTokenValid(r.text("refresh_token"))).isTrue();
      assertThat(Http.currentUser(emu, r.text("access_token")).json().get("users").get(0).get("email").asText())
          .isEqualTo("grace@example.com");
      assertThat(emu.exchangeCalls()).isEqualTo(1);

      // single use
      assertThat(Http.exchange(emu, "c", "s", "https://app.example.com/cb", code).text("error"))
          .isEqualTo("invalid_code");
      // a redirect_uri sent along is not checked, but the client is
      String second = emu.issueSelfClientGrantCode("c", "", "grace@example.com");
      assertThat(Http.exchange(emu, "c", "s", "https://elsewhere.example.com/", second).has("access_token"))
          .isTrue();
      String third = emu.issueSelfClientGrantCode("c", "", "grace@example.com");
      assertThat(Http.exchange(emu, "c", "wrong", "x", third).text("error")).isEqualTo("invalid_client_secret");
    }
  }

  @Test
  void tokenSuffixEndsEveryCodeAndTokenIssued() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().tokenSuffix("-SECRET").rotateRefreshTokens(true).start()) {
      String code = emu.issueGrantCode("c", "http://localhost/cb", "");
      assertThat(code).endsWith("-SECRET");
      Http.Reply exchanged = Http.exchange(emu, "c", "s", "http://localhost/cb", code);
      assertThat(exchanged.text("access_token")).startsWith("1000.").endsWith("-SECRET");
      assertThat(exchanged.text("refresh_token")).endsWith("-SECRET");
      Http.Reply refreshed = Http.refresh(emu, "c", "s", exchanged.text("refresh_token"));
      assertThat(refreshed.text("access_token")).endsWith("-SECRET");
      assertThat(refreshed.text("refresh_token")).endsWith("-SECRET"); // rotated
      IssuedTokens t = emu.issueTokens("c", "", "ada@example.com");
      assertThat(t.accessToken()).endsWith("-SECRET");
      assertThat(t.refreshToken()).endsWith("-SECRET");
      assertThat(emu.issueSelfClientGrantCode("c", "", "ada@example.com")).endsWith("-SECRET");
    }
    assertThatThrownBy(() -> AccountsEmulator.builder().tokenSuffix("has space"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().tokenSuffix("x".repeat(33)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
