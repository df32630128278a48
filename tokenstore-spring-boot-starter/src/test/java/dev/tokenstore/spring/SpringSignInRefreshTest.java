package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spring.sample.SampleApplication;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample application, a real Spring Boot application on a random port, signs users in with {@code oauth2Login}
 * against mock-oauth2-server; tokenstore keeps their tokens in an SQLite file and refreshes them: 32 concurrent
 * requests after expiry make one refresh at the token endpoint (counted by a proxy in front of it), and the rotated
 * refresh token keeps working.
 */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(SpringSignInRefreshTest.Clock.class)
class SpringSignInRefreshTest {
  static final MockAuthorizationServer AUTH = new MockAuthorizationServer();
  static final Path DIR;
  static final MutableClock CLOCK = new MutableClock();

  static {
    try {
      DIR = Files.createTempDirectory("tokenstore-spring");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @TestConfiguration
  static class Clock {
    @Bean
    TokenManagerCustomizer testClock() {
      return (id, builder) -> builder.clock(CLOCK);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    AUTH.springProperties().forEach((k, v) -> registry.add(k, () -> v));
    registry.add("tokenstore.store", () -> "sqlite:" + DIR.resolve("tokens.db"));
  }

  @BeforeEach
  void realTime() {
    CLOCK.reset(); // each test signs a new user in at the real time
  }

  @AfterAll
  static void stop() {
    AUTH.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  TokenStore store;

  @Autowired
  OAuth2AuthorizedClientService service;

  @Autowired
  OAuth2AuthorizedClientManager manager;

  @Autowired
  ClientRegistrationRepository registrations;

  @Autowired
  ReauthorizationTracker reauthorizations;

  @Autowired
  RefreshTimer refreshTimer;

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Signs a new user in (a new browser) and returns the browser, signed in, and the access token it got. */
  Browser signIn(List<String> tokenOut) throws Exception {
    AUTH.nextSubject("user-" + java.util.UUID.randomUUID());
    Browser b = new Browser();
    HttpResponse<String> r = b.get(url("/token"));
    assertThat(r.statusCode()).as("the sign-in ends on /token: %s", r.uri()).isEqualTo(200);
    tokenOut.add(r.body());
    return b;
  }

  @Test
  void theBeansAreTokenstores() {
    assertThat(service).isInstanceOf(TokenStoreOAuth2AuthorizedClientService.class);
    assertThat(manager).isInstanceOf(TokenstoreAuthorizedClientManager.class);
  }

  @Test
  void signInStoresTheAuthorizedClientInTheSqliteFile() throws Exception {
    List<String> token = new ArrayList<>();
    signIn(token);
    OAuthToken stored = store.findToken(OAuthToken.builder().accessToken(token.get(0)).build()).orElseThrow();
    assertThat(stored.userName()).startsWith("user-");
    assertThat(stored.clientId()).isEqualTo(MockAuthorizationServer.CLIENT_ID);
    assertThat(stored.refreshToken()).isNotBlank();
    assertThat(stored.expiresAt()).isAfter(java.time.Instant.now());
    assertThat(stored.apiDomain()).startsWith("http://127.0.0.1:");
    // the row is in the SQLite file itself, where another process (tokenstore list, Zoho's SDK) reads it
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + DIR.resolve("tokens.db"));
        ResultSet rs = c.createStatement().executeQuery("SELECT user_name, client_id FROM oauthtoken WHERE id = "
            + Integer.parseInt(stored.id()))) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(stored.userName());
      assertThat(rs.getString(2)).isEqualTo(MockAuthorizationServer.CLIENT_ID);
    }
    assertThat(service.loadAuthorizedClient("mock", stored.userName()).getAccessToken().getTokenValue())
        .isEqualTo(token.get(0));
  }

  @Test
  void thirtyTwoConcurrentRequestsAfterExpiryMakeOneRefreshAndRotationKeepsWorking() throws Exception {
    List<String> first = new ArrayList<>();
    Browser browser = signIn(first);
    OAuthToken before = store.findToken(OAuthToken.builder().accessToken(first.get(0)).build()).orElseThrow();
    int refreshesBefore = AUTH.proxy.refreshes();
    int failuresBefore = AUTH.proxy.refreshFailures();

    io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    refreshTimer.bindTo(meters);

    CLOCK.advance(Duration.ofHours(2)); // the access token (one hour) has expired for the application
    List<HttpResponse<String>> replies = concurrently(32, () -> browser.get(url("/token")));

    assertThat(AUTH.proxy.refreshes() - refreshesBefore).as("refresh calls at the token endpoint").isEqualTo(1);
    assertThat(meters.get("tokenstore.refresh").tag("environment", "mock").tag("outcome", "success").timer().count())
        .as("the tokenstore.refresh timer").isEqualTo(1);
    Set<String> tokens = new HashSet<>();
    for (HttpResponse<String> r : replies) {
      assertThat(r.statusCode()).isEqualTo(200);
      tokens.add(r.body());
    }
    assertThat(tokens).hasSize(1).doesNotContain(first.get(0));
    OAuthToken after = store.findTokenById(before.id()).orElseThrow();
    assertThat(after.accessToken()).isEqualTo(tokens.iterator().next());
    assertThat(after.refreshToken()).as("rotated").isNotEqualTo(before.refreshToken());

    // the API accepts the new token; after the next expiry the rotated refresh token works: one more refresh
    assertThat(browser.get(url("/api")).body()).startsWith("200 ");
    CLOCK.advance(Duration.ofHours(2));
    List<HttpResponse<String>> again = concurrently(32, () -> browser.get(url("/api")));
    assertThat(again).allSatisfy(r -> assertThat(r.body()).startsWith("200 "));
    assertThat(AUTH.proxy.refreshes() - refreshesBefore).isEqualTo(2);
    assertThat(AUTH.proxy.refreshFailures() - failuresBefore).isZero();
    // the record holds no client secret: each refresh sent the registration's (client_secret_basic)
    assertThat(after.clientSecret()).isNull();
    assertThat(AUTH.proxy.refreshesWithoutClientSecret()).isZero();
    OAuthToken third = store.findTokenById(before.id()).orElseThrow();
    assertThat(third.refreshToken()).isNotEqualTo(after.refreshToken()).isNotEqualTo(before.refreshToken());
  }

  /**
   * A refresh token the server no longer accepts (revoked, expired) makes the request start a new sign-in, as
   * Spring Security does with its own manager: the user is sent to the authorization server, comes back, and the
   * new tokens replace the dead ones in the same record.
   */
  @Test
  void aRefusedRefreshTokenLeadsToANewSignInIntoTheSameRecord() throws Exception {
    List<String> first = new ArrayList<>();
    Browser browser = signIn(first);
    OAuthToken before = store.findToken(OAuthToken.builder().accessToken(first.get(0)).build()).orElseThrow();
    store.saveToken(OAuthToken.builder().id(before.id()).refreshToken("rt-revoked-SECRET").build());
    int exchanges = AUTH.proxy.codeExchanges();

    CLOCK.advance(Duration.ofHours(2));
    // (no subject enqueued at the server now: mock-oauth2-server would accept any refresh token with one)
    int refusals = AUTH.proxy.refreshFailures();
    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> manager.authorize(
        OAuth2AuthorizeRequest.withClientRegistrationId("mock").principal(before.userName()).build()));
    assertThat(refused).isInstanceOf(org.springframework.security.oauth2.client.ClientAuthorizationRequiredException.class)
        .hasMessageNotContaining("SECRET");
    assertThat(reauthorizations.pending()).as("the health indicator's list").contains(before.id());

    HttpResponse<String> r = browser.get(url("/api"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("200 ");
    assertThat(AUTH.proxy.refreshFailures() - refusals).as("the refused refresh (in-process, then the request)")
        .isEqualTo(2);
    assertThat(AUTH.proxy.codeExchanges() - exchanges).as("a new sign-in").isEqualTo(1);
    OAuthToken after = store.findTokenById(before.id()).orElseThrow();
    assertThat(after.refreshToken()).isNotEqualTo("rt-revoked-SECRET").isNotEqualTo(before.refreshToken());
    assertThat(store.getTokens()).filteredOn(t -> before.userName().equals(t.userName())).hasSize(1);
    assertThat(reauthorizations.pending()).doesNotContain(before.id());
  }

  /**
   * The baseline, on the same registration and server: Spring Security's service-based manager with its in-memory
   * service refreshes in every caller that sees the token expired; tokenstore's manager, in the same situation,
   * refreshes once. Both are driven in-process by 32 threads released together.
   */
  @Test
  void springsDefaultManagerRefreshesManyTimesWhereTokenstoreRefreshesOnce() throws Exception {
    // Spring Security's own: InMemoryOAuth2AuthorizedClientService and the default refresh provider
    List<String> token = new ArrayList<>();
    signIn(token);
    String theirUser = store.findToken(OAuthToken.builder().accessToken(token.get(0)).build()).orElseThrow().userName();
    InMemoryOAuth2AuthorizedClientService inMemory = new InMemoryOAuth2AuthorizedClientService(registrations);
    OAuth2AuthorizedClient signedIn = service.loadAuthorizedClient("mock", theirUser);
    inMemory.saveAuthorizedClient(signedIn, UsernamePasswordAuthenticationToken.authenticated(theirUser, null,
        List.of()));
    AuthorizedClientServiceOAuth2AuthorizedClientManager spring =
        new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, inMemory);
    java.time.Clock later = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(2));
    spring.setAuthorizedClientProvider(OAuth2AuthorizedClientProviderBuilder.builder()
        .refreshToken(c -> c.clock(later)).build());
    int before = AUTH.proxy.refreshes();
    List<String> theirs = concurrently(32, () -> tokenOrError(spring, theirUser));
    int springRefreshes = AUTH.proxy.refreshes() - before;

    // tokenstore's, for another user signed in the same way
    token.clear();
    signIn(token);
    String ourUser = store.findToken(OAuthToken.builder().accessToken(token.get(0)).build()).orElseThrow().userName();
    CLOCK.advance(Duration.ofHours(2));
    before = AUTH.proxy.refreshes();
    List<String> ours = concurrently(32, () -> tokenOrError(manager, ourUser));
    int ourRefreshes = AUTH.proxy.refreshes() - before;

    System.out.println("32 concurrent authorize() calls at expiry: Spring Security's manager and in-memory service "
        + "made " + springRefreshes + " refresh calls (" + theirs.stream().filter(t -> t.startsWith("error")).count()
        + " callers failed, " + new HashSet<>(theirs).size() + " distinct results); tokenstore's made "
        + ourRefreshes + ".");
    assertThat(springRefreshes).as("Spring Security's refresh calls").isGreaterThan(1);
    // with rotation, the server accepts the refresh token once: every other refresh call of Spring's failed
    assertThat(ourRefreshes).as("tokenstore's refresh calls").isEqualTo(1);
    assertThat(new HashSet<>(ours)).hasSize(1).doesNotContain(token.get(0));
    assertThat(ours.get(0)).doesNotStartWith("error");
  }

  private static String tokenOrError(OAuth2AuthorizedClientManager m, String user) {
    try {
      OAuth2AuthorizedClient c = m.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("mock")
          .principal(user).build());
      return c == null ? "error: null" : c.getAccessToken().getTokenValue();
    } catch (RuntimeException e) {
      return "error: " + e.getClass().getSimpleName();
    }
  }

  interface Call<T> {
    T call() throws Exception;
  }

  /** Runs {@code call} on {@code n} threads released together; returns the results. */
  static <T> List<T> concurrently(int n, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CyclicBarrier start = new CyclicBarrier(n);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return call.call();
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
