package dev.tokenstore.emulator;

import static dev.tokenstore.emulator.Http.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenEndpointTest {
  private static final String REDIRECT = "http://localhost/cb";
  private static final String SCOPE = "ZohoCRM.modules.ALL";
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void grantCodesAreSingleUse() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String code = emu.issueGrantCode("c", REDIRECT, SCOPE);
      assertThat(Http.exchange(emu, "c", "s", REDIRECT, code).has("access_token")).isTrue();

      Http.Reply again = Http.exchange(emu, "c", "s", REDIRECT, code);
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.body()).isEqualTo("{\"error\":\"invalid_code\"}");
      assertThat(emu.exchangeCalls()).isEqualTo(2);
      assertThat(emu.tokenCalls()).isEqualTo(2);
    }
  }

  @Test
  void grantCodesExpire() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu = AccountsEmulator.builder().clock(clock).grantCodeTtl(Duration.ofMinutes(2)).start()) {
      String fresh = emu.issueGrantCode("c", REDIRECT, SCOPE);
      String stale = emu.issueGrantCode("c", REDIRECT, SCOPE);
      clock.advance(Duration.ofSeconds(119));
      assertThat(Http.exchange(emu, "c", "s", REDIRECT, fresh).has("access_token")).isTrue();
      clock.advance(Duration.ofSeconds(1));
      assertThat(Http.exchange(emu, "c", "s", REDIRECT, stale).text("error")).isEqualTo("invalid_code");
    }
  }

  @Test
  void theCodeIsBoundToItsClientAndRedirectUri() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String code = emu.issueGrantCode("c", REDIRECT, SCOPE);
      assertThat(Http.exchange(emu, "other", "s", REDIRECT, code).text("error")).isEqualTo("invalid_code");

      String code2 = emu.issueGrantCode("c", REDIRECT, SCOPE);
      assertThat(Http.exchange(emu, "c", "s", "http://localhost/elsewhere", code2).text("error"))
          .isEqualTo("invalid_redirect_uri");
      // The failed attempt consumed the code.
      assertThat(Http.exchange(emu, "c", "s", REDIRECT, code2).text("error")).isEqualTo("invalid_code");
    }
  }

  @Test
  void registeredClientsNeedTheirSecret() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().registerClient("id", "right", REDIRECT).start()) {
      String code = emu.issueGrantCode("id", REDIRECT, SCOPE);
      assertThat(Http.exchange(emu, "nobody", "right", REDIRECT, code).body()).isEqualTo("{\"error\":\"invalid_client\"}");
      Http.Reply wrongSecret = Http.exchange(emu, "id", "wrong", REDIRECT, code);
      assertThat(wrongSecret.status()).isEqualTo(200);
      assertThat(wrongSecret.text("error")).isEqualTo("invalid_client_secret");
      // Client errors do not consume the code.
      Http.Reply ok = Http.exchange(emu, "id", "right", REDIRECT, code);
      assertThat(ok.has("refresh_token")).isTrue();
      assertThat(Http.refresh(emu, "id", "wrong", ok.text("refresh_token")).text("error"))
          .isEqualTo("invalid_client_secret");
      Http.Reply noSecret = Http.post(emu.tokenUrl(),
          params("grant_type", "refresh_token", "client_id", "id", "refresh_token", ok.text("refresh_token")));
      assertThat(noSecret.text("error")).isEqualTo("invalid_client_secret");
    }
  }

  @Test
  void rfcModeAnswersHttp400WithRfcNames() throws Exception {
    try (AccountsEmulator emu =
        AccountsEmulator.builder().errorsWithHttp200(false).registerClient("id", "right").start()) {
      String code = emu.issueGrantCode("id", REDIRECT, SCOPE);
      Http.Reply wrongSecret = Http.exchange(emu, "id", "wrong", REDIRECT, code);
      assertThat(wrongSecret.status()).isEqualTo(400);
      assertThat(wrongSecret.text("error")).isEqualTo("invalid_client");
      assertThat(wrongSecret.text("error_description")).isNotBlank();
      assertThat(Http.exchange(emu, "id", "right", "http://x/y", code).text("error")).isEqualTo("invalid_grant");
      Http.Reply used = Http.exchange(emu, "id", "right", REDIRECT, code);
      assertThat(used.status()).isEqualTo(400);
      assertThat(used.text("error")).isEqualTo("invalid_grant");
      Http.Reply unknownRefresh = Http.refresh(emu, "id", "right", "1000.nope.nope");
      assertThat(unknownRefresh.status()).isEqualTo(400);
      assertThat(unknownRefresh.text("error")).isEqualTo("invalid_grant");
    }
  }

  @Test
  void malformedRequests() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      assertThat(Http.post(emu.tokenUrl(), params("client_id", "c")).text("error")).isEqualTo("invalid_request");
      assertThat(Http.post(emu.tokenUrl(), params("grant_type", "refresh_token")).text("error"))
          .isEqualTo("invalid_client");
      assertThat(Http.post(emu.tokenUrl(), params("grant_type", "password", "client_id", "c")).text("error"))
          .isEqualTo("unsupported_grant_type");
      assertThat(Http.post(emu.tokenUrl(), params("grant_type", "authorization_code", "client_id", "c")).text("error"))
          .isEqualTo("invalid_request");
      assertThat(Http.post(emu.tokenUrl(), params("grant_type", "refresh_token", "client_id", "c")).text("error"))
          .isEqualTo("invalid_request");
      assertThat(emu.tokenCalls()).isEqualTo(5);
      assertThat(emu.refreshCalls()).isEqualTo(2);
      assertThat(emu.exchangeCalls()).isEqualTo(1);
    }
  }

  @Test
  void parametersInTheQueryStringAreAcceptedAsZohoDoes() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String code = emu.issueGrantCode("c", REDIRECT, SCOPE);
      Http.Reply r = Http.post(
          emu.tokenUrl() + "?" + Http.form(params("grant_type", "authorization_code", "client_id", "c",
              "client_secret", "s", "redirect_uri", REDIRECT, "code", code)),
          params());
      assertThat(r.has("access_token")).isTrue();
    }
  }

  @Test
  void refreshGivesANewAccessTokenAndKeepsTheRefreshTokenInZohoMode() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply first = Http.tokens(emu, "c", "s");
      String rt = first.text("refresh_token");
      Http.Reply r = Http.refresh(emu, "c", "s", rt);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.has("refresh_token")).isFalse();
      assertThat(r.text("access_token")).isNotEqualTo(first.text("access_token"));
      assertThat(r.text("api_domain")).isEqualTo(emu.apiDomain());
      assertThat(r.json().get("expires_in").asLong()).isEqualTo(3600);
      assertThat(emu.isRefreshTokenValid(rt)).isTrue();
      assertThat(emu.isAccessTokenValid(first.text("access_token"))).isTrue();
      assertThat(emu.isAccessTokenValid(r.text("access_token"))).isTrue();
      assertThat(emu.refreshCalls()).isEqualTo(1);
      assertThat(emu.refreshCalls(rt)).isEqualTo(1);
      assertThat(emu.refreshCalls("1000.other.token")).isZero();

      assertThat(Http.refresh(emu, "other-client", "s", rt).text("error")).isEqualTo("invalid_code");
      assertThat(Http.refresh(emu, "c", "s", "1000.unknown.token").text("error")).isEqualTo("invalid_code");

      emu.resetCounters();
      assertThat(emu.refreshCalls()).isZero();
      assertThat(emu.refreshCalls(rt)).isZero();
      assertThat(emu.tokenCalls()).isZero();
      assertThat(emu.exchangeCalls()).isZero();
    }
  }

  @Test
  void accessTokensExpireWithTheConfiguredTtl() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu =
        AccountsEmulator.builder().clock(clock).accessTokenTtl(Duration.ofSeconds(90)).start()) {
      Http.Reply r = Http.tokens(emu, "c", "s");
      assertThat(r.json().get("expires_in").asLong()).isEqualTo(90);
      String access = r.text("access_token");
      clock.advance(Duration.ofSeconds(89));
      assertThat(emu.isAccessTokenValid(access)).isTrue();
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(200);
      clock.advance(Duration.ofSeconds(1));
      assertThat(emu.isAccessTokenValid(access)).isFalse();
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(401);
      // The refresh token outlives its access tokens.
      assertThat(Http.refresh(emu, "c", "s", r.text("refresh_token")).has("access_token")).isTrue();
    }
  }

  @Test
  void pkceS256AndPlain() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
      String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
      // RFC 7636 appendix B's example.
      assertThat(challenge).isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

      String code = authorize(emu, "&code_challenge=" + challenge + "&code_challenge_method=S256");
      assertThat(exchangePkce(emu, code, verifier).has("access_token")).isTrue();

      String wrong = authorize(emu, "&code_challenge=" + challenge + "&code_challenge_method=S256");
      assertThat(exchangePkce(emu, wrong, "not-the-verifier").text("error")).isEqualTo("invalid_code");

      String missing = authorize(emu, "&code_challenge=" + challenge + "&code_challenge_method=S256");
      assertThat(Http.exchange(emu, "c", "s", REDIRECT, missing).text("error")).isEqualTo("invalid_code");

      String plain = authorize(emu, "&code_challenge=" + verifier);
      assertThat(exchangePkce(emu, plain, verifier).has("access_token")).isTrue();
    }
  }

  private static String authorize(AccountsEmulator emu, String extra) throws Exception {
    return Http.get(emu.authorizationUrl() + "?response_type=code&client_id=c&access_type=offline&redirect_uri="
        + Http.enc(REDIRECT) + extra).locationParams().get("code");
  }

  private static Http.Reply exchangePkce(AccountsEmulator emu, String code, String verifier) throws Exception {
    return Http.post(emu.tokenUrl(), params("grant_type", "authorization_code", "client_id", "c",
        "client_secret", "s", "redirect_uri", REDIRECT, "code", code, "code_verifier", verifier));
  }

  @Test
  void tenAccessTokensPerRefreshTokenPerWindowThenAccessDenied() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu = AccountsEmulator.builder().clock(clock).start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      String other = Http.tokens(emu, "c", "s").text("refresh_token");
      for (int i = 0; i < 10; i++) {
        assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).as("refresh %d", i).isTrue();
        clock.advance(Duration.ofSeconds(30)); // ten refreshes over 5 minutes
      }
      Http.Reply denied = Http.refresh(emu, "c", "s", rt);
      assertThat(denied.status()).isEqualTo(400);
      assertThat(denied.body()).isEqualTo("{\"error\":\"Access Denied\",\"error_description\":\"You have made too "
          + "many requests continuously. Please try again after some time.\",\"status\":\"failure\"}");
      // The limit is per refresh token.
      assertThat(Http.refresh(emu, "c", "s", other).has("access_token")).isTrue();
      // The window slides: the first refresh was at T0, so at T0 + 10 min one more is allowed, and only one.
      clock.set(T0.plus(Duration.ofMinutes(10)));
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThat(Http.refresh(emu, "c", "s", rt).text("error")).isEqualTo("Access Denied");
      assertThat(emu.refreshCalls(rt)).isEqualTo(13);
    }
  }

  @Test
  void theLimitIsConfigurable() throws Exception {
    ManualClock clock = new ManualClock(T0);
    try (AccountsEmulator emu =
        AccountsEmulator.builder().clock(clock).accessTokensPerRefreshWindow(2, Duration.ofSeconds(60)).start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThat(Http.refresh(emu, "c", "s", rt).text("error")).isEqualTo("Access Denied");
      clock.advance(Duration.ofSeconds(60));
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
    }
  }

  @Test
  void theTwentyFirstRefreshTokenDeletesTheOldest() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      List<Http.Reply> grants = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        grants.add(Http.tokens(emu, "c", "s"));
      }
      assertThat(emu.refreshTokenCount(AccountsEmulator.DEFAULT_USER)).isEqualTo(20);
      Http.Reply oldest = grants.get(0);
      assertThat(emu.isRefreshTokenValid(oldest.text("refresh_token"))).isTrue();

      Http.Reply newest = Http.tokens(emu, "c", "s");
      assertThat(emu.refreshTokenCount(AccountsEmulator.DEFAULT_USER)).isEqualTo(20);
      assertThat(emu.isRefreshTokenValid(oldest.text("refresh_token"))).isFalse();
      assertThat(emu.isAccessTokenValid(oldest.text("access_token"))).isFalse();
      assertThat(Http.refresh(emu, "c", "s", oldest.text("refresh_token")).text("error")).isEqualTo("invalid_code");
      for (int i = 1; i < 20; i++) {
        assertThat(emu.isRefreshTokenValid(grants.get(i).text("refresh_token"))).isTrue();
      }
      assertThat(emu.isRefreshTokenValid(newest.text("refresh_token"))).isTrue();

      // Another user's tokens are counted separately.
      String code = emu.issueGrantCode("c", REDIRECT, SCOPE, "other@example.com");
      Http.exchange(emu, "c", "s", REDIRECT, code);
      assertThat(emu.refreshTokenCount("other@example.com")).isEqualTo(1);
      assertThat(emu.isRefreshTokenValid(grants.get(1).text("refresh_token"))).isTrue();
    }
  }

  @Test
  void theMaximumOfRefreshTokensIsConfigurable() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().maxRefreshTokensPerUser(2).start()) {
      String a = Http.tokens(emu, "c", "s").text("refresh_token");
      String b = Http.tokens(emu, "c", "s").text("refresh_token");
      String c = Http.tokens(emu, "c", "s").text("refresh_token");
      assertThat(emu.isRefreshTokenValid(a)).isFalse();
      assertThat(emu.isRefreshTokenValid(b)).isTrue();
      assertThat(emu.isRefreshTokenValid(c)).isTrue();
    }
  }

  @Test
  void rotationModeReplacesTheRefreshTokenOnEveryRefresh() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().rfc6749().start()) {
      String rt0 = Http.tokens(emu, "c", "s").text("refresh_token");
      Http.Reply r1 = Http.refresh(emu, "c", "s", rt0);
      String rt1 = r1.text("refresh_token");
      assertThat(rt1).isNotEqualTo(rt0).matches("1000\\.[0-9a-f]{32}\\.[0-9a-f]{32}");
      assertThat(emu.isRefreshTokenValid(rt0)).isFalse();
      assertThat(emu.isRefreshTokenValid(rt1)).isTrue();

      Http.Reply reuse = Http.refresh(emu, "c", "s", rt0);
      assertThat(reuse.status()).isEqualTo(400);
      assertThat(reuse.text("error")).isEqualTo("invalid_grant");

      Set<String> seen = new HashSet<>(List.of(rt0, rt1));
      String current = rt1;
      for (int i = 0; i < 5; i++) {
        current = Http.refresh(emu, "c", "s", current).text("refresh_token");
        assertThat(seen.add(current)).isTrue();
      }
      assertThat(emu.refreshTokenCount(AccountsEmulator.DEFAULT_USER)).isEqualTo(1);
      // Access tokens made before the rotation stay valid until they expire.
      assertThat(emu.isAccessTokenValid(r1.text("access_token"))).isTrue();
    }
  }

  @Test
  void legacyRepliesGiveExpiresInMillisecondsAndExpiresInSec() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().legacyExpiresInMillis(true).start()) {
      Http.Reply r = Http.tokens(emu, "c", "s");
      assertThat(r.json().get("expires_in").asLong()).isEqualTo(3_600_000);
      assertThat(r.json().get("expires_in_sec").asLong()).isEqualTo(3600);
      Http.Reply refreshed = Http.refresh(emu, "c", "s", r.text("refresh_token"));
      assertThat(refreshed.json().get("expires_in").asLong()).isEqualTo(3_600_000);
      assertThat(refreshed.json().get("expires_in_sec").asLong()).isEqualTo(3600);
    }
  }

  @Test
  void builderRejectsNonsense() {
    assertThatThrownBy(() -> AccountsEmulator.builder().accessTokenTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().accessTokenTtl(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().accessTokensPerRefreshWindow(0, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().maxRefreshTokensPerUser(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().port(70000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccountsEmulator.builder().user(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTakenPortIsReportedClearly() {
    try (AccountsEmulator first = AccountsEmulator.builder().start()) {
      assertThatThrownBy(() -> AccountsEmulator.builder().port(first.port()).start())
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining("127.0.0.1:" + first.port())
          .hasMessageContaining("port 0");
    }
  }
}
