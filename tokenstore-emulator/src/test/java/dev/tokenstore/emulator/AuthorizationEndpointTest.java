package dev.tokenstore.emulator;

import static dev.tokenstore.emulator.Http.enc;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizationEndpointTest {
  private static final String REDIRECT = "http://localhost:8080/callback";

  private static String authUrl(AccountsEmulator emu, String clientId, String redirect, String extra) {
    return emu.authorizationUrl()
        + "?response_type=code&client_id=" + enc(clientId)
        + "&scope=" + enc("ZohoCRM.modules.ALL,ZohoCRM.users.READ")
        + "&redirect_uri=" + enc(redirect)
        + extra;
  }

  @Test
  void autoConsentRedirectsWithCodeLocationAccountsServerAndState() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply r = Http.get(authUrl(emu, "client-1", REDIRECT, "&access_type=offline&prompt=consent&state=s%20%261"));

      assertThat(r.status()).isEqualTo(302);
      assertThat(r.location()).startsWith(REDIRECT + "?");
      Map<String, String> p = r.locationParams();
      assertThat(p.get("code")).matches("1000\\.[0-9a-f]{32}\\.[0-9a-f]{32}");
      assertThat(p).containsEntry("location", "us").containsEntry("accounts-server", emu.baseUrl())
          .containsEntry("state", "s &1");
      assertThat(emu.authorizationCalls()).isEqualTo(1);

      Http.Reply tokens = Http.exchange(emu, "client-1", "secret", REDIRECT, p.get("code"));
      assertThat(tokens.status()).isEqualTo(200);
      assertThat(tokens.text("access_token")).matches("1000\\.[0-9a-f]{32}\\.[0-9a-f]{32}");
      assertThat(tokens.text("refresh_token")).matches("1000\\.[0-9a-f]{32}\\.[0-9a-f]{32}");
      assertThat(tokens.text("scope")).isEqualTo("ZohoCRM.modules.ALL,ZohoCRM.users.READ");
      assertThat(tokens.text("api_domain")).isEqualTo(emu.apiDomain()).isEqualTo(emu.baseUrl());
      assertThat(tokens.text("token_type")).isEqualTo("Bearer");
      assertThat(tokens.json().get("expires_in").asLong()).isEqualTo(3600);
      assertThat(Http.currentUser(emu, tokens.text("access_token")).json().at("/users/0/email").asText())
          .isEqualTo(AccountsEmulator.DEFAULT_USER);
    }
  }

  @Test
  void withoutOfflineAccessTheExchangeGivesNoRefreshToken() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String code = Http.get(authUrl(emu, "c", REDIRECT, "")).locationParams().get("code");
      Http.Reply tokens = Http.exchange(emu, "c", "s", REDIRECT, code);
      assertThat(tokens.has("access_token")).isTrue();
      assertThat(tokens.has("refresh_token")).isFalse();
      assertThat(emu.isAccessTokenValid(tokens.text("access_token"))).isTrue();
    }
  }

  @Test
  void configuredUserAndLoginHintChooseWhoConsents() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().user("o'brien.smith@example.com").start()) {
      String code = Http.get(authUrl(emu, "c", REDIRECT, "&access_type=offline")).locationParams().get("code");
      String access = Http.exchange(emu, "c", "s", REDIRECT, code).text("access_token");
      Http.Reply me = Http.currentUser(emu, access);
      assertThat(me.json().at("/users/0/email").asText()).isEqualTo("o'brien.smith@example.com");
      assertThat(me.json().at("/users/0/full_name").asText()).isEqualTo("O'brien Smith");
      String firstId = me.json().at("/users/0/id").asText();
      assertThat(firstId).matches("[0-9]+");

      String code2 = Http.get(authUrl(emu, "c", REDIRECT, "&login_hint=" + enc("ann@example.com")))
          .locationParams().get("code");
      Http.Reply ann = Http.currentUser(emu, Http.exchange(emu, "c", "s", REDIRECT, code2).text("access_token"));
      assertThat(ann.json().at("/users/0/email").asText()).isEqualTo("ann@example.com");
      assertThat(ann.json().at("/users/0/id").asText()).isNotEqualTo(firstId);
    }
  }

  @Test
  void redirectUriWithAQueryKeepsIt() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply r = Http.get(authUrl(emu, "c", REDIRECT + "?tenant=7", "&state=x"));
      assertThat(r.location()).startsWith(REDIRECT + "?tenant=7&");
      assertThat(r.locationParams()).containsKeys("tenant", "code", "state");
    }
  }

  @Test
  void registeredModeRejectsUnknownClientsAndUnregisteredRedirectsWithAnErrorPage() throws Exception {
    try (AccountsEmulator emu =
        AccountsEmulator.builder().registerClient("known", "secret", REDIRECT).start()) {
      Http.Reply unknown = Http.get(authUrl(emu, "stranger", REDIRECT, ""));
      assertThat(unknown.status()).isEqualTo(400);
      assertThat(unknown.response().headers().firstValue("Location")).isEmpty();
      assertThat(unknown.body()).contains("Invalid client");

      Http.Reply badRedirect = Http.get(authUrl(emu, "known", "http://evil.example/cb", ""));
      assertThat(badRedirect.status()).isEqualTo(400);
      assertThat(badRedirect.response().headers().firstValue("Location")).isEmpty();
      assertThat(badRedirect.body()).contains("redirect_uri is not registered");

      assertThat(Http.get(authUrl(emu, "known", REDIRECT, "")).status()).isEqualTo(302);
    }
  }

  @Test
  void missingParametersAndWrongResponseType() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply noClient = Http.get(emu.authorizationUrl() + "?response_type=code&redirect_uri=" + enc(REDIRECT));
      assertThat(noClient.status()).isEqualTo(400);
      assertThat(noClient.body()).contains("client_id");

      Http.Reply noRedirect = Http.get(emu.authorizationUrl() + "?response_type=code&client_id=c");
      assertThat(noRedirect.status()).isEqualTo(400);
      assertThat(noRedirect.body()).contains("redirect_uri");

      Http.Reply token = Http.get(
          emu.authorizationUrl() + "?response_type=token&client_id=c&state=z&redirect_uri=" + enc(REDIRECT));
      assertThat(token.status()).isEqualTo(302);
      assertThat(token.locationParams()).containsEntry("error", "unsupported_response_type")
          .containsEntry("state", "z").doesNotContainKey("code");

      Http.Reply badMethod = Http.get(authUrl(emu, "c", REDIRECT, "&code_challenge=abc&code_challenge_method=MD5"));
      assertThat(badMethod.locationParams()).containsEntry("error", "invalid_request");
    }
  }

  @Test
  void wrongMethodAndUnknownPath() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply post = Http.post(emu.authorizationUrl(), Map.of());
      assertThat(post.status()).isEqualTo(405);
      assertThat(post.response().headers().firstValue("Allow")).hasValue("GET");
      Http.Reply getToken = Http.get(emu.tokenUrl());
      assertThat(getToken.status()).isEqualTo(405);
      assertThat(Http.get(emu.baseUrl() + "/nothing/here").status()).isEqualTo(404);
    }
  }
}
