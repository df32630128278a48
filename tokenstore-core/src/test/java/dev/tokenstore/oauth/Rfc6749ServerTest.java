package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.memory.MemoryTokenStore;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The RFC 6749 flows against an independent server, no.nav.security:mock-oauth2-server, on 127.0.0.1. */
class Rfc6749ServerTest {
  private static final String ISSUER = "tokenstore";
  private static final String CLIENT_ID = "rfc-client";
  private static final String CLIENT_SECRET = "rfc-SECRET-secret";
  private static final String REDIRECT = "http://127.0.0.1:9/callback";

  private static MockOAuth2Server server;
  private static Environment environment;

  private MemoryTokenStore store;
  private ManualClock clock;

  @BeforeAll
  static void start() throws Exception {
    // interactive login off, default pages, refresh tokens rotated on every refresh
    server = new MockOAuth2Server(new OAuth2Config(false, null, null, true));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    environment = Environment.builder("mock-oauth2")
        .tokenUrl(server.tokenEndpointUrl(ISSUER).toString())
        .authorizationUrl(server.authorizationEndpointUrl(ISSUER).toString())
        .revokeUrl(server.revocationEndpointUrl(ISSUER).toString())
        .apiDomain(server.baseUrl().toString())
        .build();
  }

  @AfterAll
  static void stop() {
    server.shutdown();
  }

  @BeforeEach
  void setUp() {
    store = MemoryTokenStore.create();
    clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  private TokenManager manager(Environment env) {
    return TokenManager.builder().store(store).environment(env).clock(clock)
        .retryPolicy(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10), 0.5))
        .sleeper(new FakeSleeper()).build();
  }

  /** Follows the server's authorization endpoint like a browser would and returns the code of its redirect. */
  private static String authorize() throws Exception {
    String url = environment.authorizationUrl().orElseThrow() + "?response_type=code&client_id=" + CLIENT_ID
        + "&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8)
        + "&scope=" + URLEncoder.encode("openid offline_access", StandardCharsets.UTF_8) + "&state=s1";
    HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(302);
    URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
    assertThat(location.toString()).startsWith(REDIRECT);
    for (String p : location.getRawQuery().split("&")) {
      if (p.startsWith("code=")) {
        return java.net.URLDecoder.decode(p.substring(5), StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no code in the redirect");
  }

  private static OAuthToken grant(String code) {
    return OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(code)
        .redirectUrl(REDIRECT).build();
  }

  @Test
  void authorizationCodeIsExchangedAndStored() throws Exception {
    TokenManager m = manager(environment);
    OAuthToken t = m.getToken(grant(authorize()));

    assertThat(t.accessToken()).isNotBlank();
    assertThat(t.refreshToken()).isNotBlank();
    assertThat(t.expiresAt()).isAfter(clock.instant());
    assertThat(t.apiDomain()).isEqualTo(environment.apiDomain());
    assertThat(store.getTokens()).containsExactly(t);
  }

  @Test
  void refreshRotatesTheRefreshTokenAndTheOldOneIsReplaced() throws Exception {
    TokenManager m = manager(environment);
    OAuthToken first = m.getToken(grant(authorize()));
    clock.advance(Duration.between(clock.instant(), first.expiresAt()).plusSeconds(1));

    OAuthToken second = m.getToken(OAuthToken.builder().id(first.id()).build());

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
    assertThat(second.refreshToken()).isNotNull().isNotEqualTo(first.refreshToken());
    assertThat(store.findTokenById(first.id())).contains(second);
    assertThat(m.metrics().refreshes()).isEqualTo(1);
  }

  @Test
  void basicClientAuthenticationWorksToo() throws Exception {
    Environment basic = environment.toBuilder().clientAuthentication(Environment.ClientAuthentication.BASIC).build();
    OAuthToken t = manager(basic).getToken(grant(authorize()));
    assertThat(t.accessToken()).isNotBlank();
  }

  @Test
  void manyThreadsAtExpiryShareOneRefresh() throws Exception {
    TokenManager m = manager(environment);
    OAuthToken first = m.getToken(grant(authorize()));
    clock.advance(Duration.between(clock.instant(), first.expiresAt()).plusSeconds(1));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<OAuthToken>> fs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        fs.add(pool.submit(() -> m.getToken(OAuthToken.builder().id(first.id()).build())));
      }
      for (Future<OAuthToken> f : fs) {
        OAuthToken t = f.get(20, TimeUnit.SECONDS);
        assertThat(t.refreshToken()).isEqualTo(store.findTokenById(first.id()).orElseThrow().refreshToken());
      }
    } finally {
      pool.shutdownNow();
    }
    // a second refresh with a rotated-away token would have failed with invalid_grant
    assertThat(m.metrics().refreshFailures()).isZero();
    assertThat(m.metrics().refreshes()).isEqualTo(1);
  }

  @Test
  void a400InvalidGrantIsReauthorizationRequired() {
    TokenManager m = manager(environment);
    OAuthException e = catchThrowableOfType(OAuthException.class,
        () -> m.getToken(grant("not-a-code-SECRET")));
    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.getMessage()).doesNotContain("SECRET");
    assertThat(store.getTokens()).isEmpty();
  }

  @Test
  void revokeByRfc7009DeletesTheRecordAndIsIdempotent() throws Exception {
    TokenManager m = manager(environment);
    OAuthToken t = m.getToken(grant(authorize()));
    assertThat(m.revoke(OAuthToken.builder().id(t.id()).build())).isTrue();
    assertThat(store.getTokens()).isEmpty();
    assertThat(m.revoke(OAuthToken.builder().id(t.id()).build())).isFalse();
    assertThat(m.revoke(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(t.refreshToken()).build())).isTrue();
  }

  @Test
  void sendUsesBearer() throws Exception {
    TokenManager m = manager(environment);
    OAuthToken t = m.getToken(grant(authorize()));
    HttpResponse<String> r = m.send(OAuthToken.builder().id(t.id()).build(),
        HttpRequest.newBuilder(URI.create(server.userInfoUrl(ISSUER).toString())),
        HttpResponse.BodyHandlers.ofString());
    assertThat(environment.authorizationScheme()).isEqualTo("Bearer");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"sub\"");
  }
}
