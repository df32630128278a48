package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * What the emulator lifecycle tests share: an {@link AccountsEmulator} (with one registered client, so that the
 * client id, secret and redirect URL the manager sends are checked) and token managers on the same
 * {@link ManualClock}, plus plain-HTTP helpers that act as the user's browser or as another worker.
 *
 * <p>Not thread-safe as a whole; its event list and the emulator are.
 */
final class EmulatorFixture implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final String CLIENT_ID = "1000.EMULATORCLIENTID";
  static final String CLIENT_SECRET = "emulator-client-secret-value";
  static final String REDIRECT = "https://app.example.com/oauth/callback";
  static final String SCOPE = "ZohoCRM.modules.ALL,ZohoCRM.users.READ";
  static final String USER = "ada@example.com";
  static final Duration WAIT = Duration.ofSeconds(60); // generous: a loaded CI machine can stall a thread for seconds

  /** The browser and the "other worker": never follows redirects. */
  static final HttpClient BROWSER = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  final ManualClock clock;
  final AccountsEmulator zoho;
  final List<TokenEvent> events = new CopyOnWriteArrayList<>();
  /** Where the managers of {@link #manager} wait between retries: nowhere (the waits are recorded). */
  final FakeSleeper sleeper = new FakeSleeper();

  EmulatorFixture(UnaryOperator<AccountsEmulator.Builder> settings) {
    this(new ManualClock(T0), settings);
  }

  EmulatorFixture(ManualClock clock, UnaryOperator<AccountsEmulator.Builder> settings) {
    this.clock = clock;
    this.zoho = settings.apply(AccountsEmulator.builder()
            .user(USER)
            .clock(clock)
            .registerClient(CLIENT_ID, CLIENT_SECRET, REDIRECT))
        .start();
  }

  /** Zoho's accounts paths on the emulator; the API domain is the emulator too. */
  Environment environment() {
    return Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain());
  }

  /**
   * A manager on {@code store}, the shared clock, quick retries (3 attempts, waited through {@link #sleeper}, so
   * without sleeping), the event list, and the user name filled after exchanges (so that tokens can be asked for
   * by user name).
   */
  TokenManager.Builder manager(TokenStore store) {
    return TokenManager.builder()
        .store(store)
        .environment(environment())
        .clock(clock)
        .requestTimeout(Duration.ofSeconds(60)) // a held call must outlast a slow machine's checks
        .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5))
        .sleeper(sleeper)
        .listener(events::add)
        .fillUserName(true);
  }

  /** The partial token of the grant-token flow: a code with the client's credentials and redirect URL. */
  static OAuthToken grant(String code) {
    return OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).redirectUrl(REDIRECT)
        .grantToken(code).build();
  }

  /** A code consented by {@code user} (issued without HTTP), exchanged and stored by {@code m}. */
  OAuthToken exchangeNew(TokenManager m, String user) {
    return m.getToken(grant(zoho.issueGrantCode(CLIENT_ID, REDIRECT, SCOPE, user)));
  }

  static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).build();
  }

  static OAuthToken id(String id) {
    return OAuthToken.builder().id(id).build();
  }

  // ---------------------------------------------------------------------------------------- browser

  /** The parameters of an authorization redirect. */
  record Redirect(String target, Map<String, String> params) {
    String code() {
      return Objects.requireNonNull(params.get("code"), "code");
    }

    String location() {
      return Objects.requireNonNull(params.get("location"), "location");
    }

    String accountsServer() {
      return Objects.requireNonNull(params.get("accounts-server"), "accounts-server");
    }
  }

  /**
   * What a browser does: opens the authorization URL of {@code server} (which consents at once as
   * {@code loginHint}) and reads the redirect's Location header without following it.
   */
  static Redirect authorize(AccountsEmulator server, String loginHint) throws IOException, InterruptedException {
    String url = server.authorizationUrl() + "?response_type=code&access_type=offline&prompt=consent"
        + "&client_id=" + enc(CLIENT_ID) + "&scope=" + enc(SCOPE) + "&redirect_uri=" + enc(REDIRECT)
        + "&state=st-42&login_hint=" + enc(loginHint);
    HttpResponse<Void> r = BROWSER.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).as("authorization reply").isEqualTo(302);
    URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : Objects.requireNonNull(location.getRawQuery(), "redirect query").split("&")) {
      int eq = pair.indexOf('=');
      params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    String target = location.getScheme() + "://" + location.getRawAuthority() + location.getRawPath();
    assertThat(params).containsEntry("state", "st-42");
    return new Redirect(target, params);
  }

  // ---------------------------------------------------------------------------------- another worker

  /** Another worker refreshes {@code refreshToken} at the emulator itself, without the library: the reply. */
  Map<String, String> refreshElsewhere(String refreshToken) throws IOException, InterruptedException {
    String form = "grant_type=refresh_token&client_id=" + enc(CLIENT_ID) + "&client_secret=" + enc(CLIENT_SECRET)
        + "&refresh_token=" + enc(refreshToken);
    HttpResponse<String> r = BROWSER.send(HttpRequest.newBuilder(URI.create(zoho.tokenUrl())).timeout(WAIT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, String> m = Objects.requireNonNull(TokenReplies.parseFlat(r.body()), "JSON reply");
    assertThat(m).containsKey("access_token");
    return m;
  }

  /** Revokes a refresh or access token at the emulator directly, as the user would on Zoho's site. */
  void revokeElsewhere(String token) throws IOException, InterruptedException {
    HttpResponse<String> r = BROWSER.send(
        HttpRequest.newBuilder(URI.create(zoho.revokeUrl() + "?token=" + enc(token))).timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------------------------------- helpers

  /** Waits, bounded by {@link #WAIT}, until {@code condition} holds; true if it did. */
  static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** No secret of {@code tokens} (nor the client secret) in the messages of {@code t} and its causes. */
  static void assertNoSecret(Throwable t, OAuthToken... tokens) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String text = c + " " + c.getMessage();
      assertThat(text).doesNotContain(CLIENT_SECRET);
      for (OAuthToken token : tokens) {
        for (String s : new String[] {token.accessToken(), token.refreshToken(), token.grantToken()}) {
          if (s != null) {
            assertThat(text).doesNotContain(s);
          }
        }
      }
    }
  }

  /** No event names a secret. */
  void assertNoSecretInEvents(OAuthToken... tokens) {
    for (TokenEvent e : events) {
      assertThat(e.toString()).doesNotContain(CLIENT_SECRET);
      if (e.error() != null) {
        assertNoSecret(e.error(), tokens);
      }
    }
  }

  long count(TokenEvent.Type type) {
    return events.stream().filter(e -> e.type() == type).count();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    zoho.close();
  }
}
