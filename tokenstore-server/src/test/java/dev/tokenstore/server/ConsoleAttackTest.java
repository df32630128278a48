package dev.tokenstore.server;

import static dev.tokenstore.server.WebClient.enc;
import static dev.tokenstore.server.WebClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console and the portal attacked over plain HTTP on loopback, as a hostile or unlucky user would: forged and
 * replayed OAuth redirects, races on the sign-in throttle, session floods, markup in stored fields, hostile query
 * parameters, secrets in pages and logs. Each test names what it holds to.
 */
class ConsoleAttackTest {
  private static final String CONSOLE = "tokenstore_console";
  private static final String PORTAL = "tokenstore_portal";

  @TempDir Path dir;
  private ConsoleFixture f;
  private final ManualClock clock = new ManualClock(Instant.now());
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      StringBuilder sb = new StringBuilder(String.valueOf(r.getMessage()));
      if (r.getParameters() != null) {
        for (Object p : r.getParameters()) {
          sb.append(' ').append(p);
        }
      }
      for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
        sb.append(' ').append(t);
      }
      logged.add(sb.toString());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger serverLog = Logger.getLogger("dev.tokenstore.server");

  @BeforeEach
  void start() {
    serverLog.addHandler(capture);
    f = new ConsoleFixture(dir, clock).seed();
  }

  @AfterEach
  void stop() {
    serverLog.removeHandler(capture);
    if (f != null) {
      f.close();
    }
  }

  /** A browser of its own on this test's service. */
  private final class Browser extends WebClient {
    Browser() {
      this(http, f.server.uri().toString());
    }

    Browser(HttpClient client, String base) {
      super(client, base);
    }

    @Override
    Browser signIn() {
      super.signIn();
      return this;
    }
  }

  private static String queryParam(String uri, String name) {
    for (String pair : URI.create(uri).getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        return java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError(name + " not in " + uri);
  }

  /** The state of the authorization request the portal sends this browser to. */
  private static String startLogin(Browser b) {
    HttpResponse<String> r = b.get("/connect/login");
    assertThat(r.statusCode()).isEqualTo(303);
    return queryParam(r.headers().firstValue("Location").orElseThrow(), "state");
  }

  // ------------------------------------------------------------------------------------ the portal's OAuth flow

  @Test
  void aPortalCallbackNamingAnotherAccountsServerSendsItNeitherTheCodeNorTheClientSecret() throws IOException {
    // the attacker's "accounts server" records what it is sent
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    evil.createContext("/", ex -> {
      try (InputStream in = ex.getRequestBody()) {
        received.add(ex.getRequestURI() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      ex.sendResponseHeaders(400, -1);
      ex.close();
    });
    evil.start();
    try {
      Browser attacker = new Browser();
      String state = startLogin(attacker); // a real flow of the attacker's own session: the state is right
      String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL");
      HttpResponse<String> cb = attacker.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code)
          + "&location=us&accounts-server=" + enc("http://127.0.0.1:" + evil.getAddress().getPort()));
      assertThat(received).as("requests the attacker's server got").isEmpty();
      assertThat(cb.statusCode()).isEqualTo(400);
      assertThat(cb.body()).contains("accounts server").doesNotContain(code);
      assertThat(f.zoho.exchangeCalls()).isZero();
    } finally {
      evil.stop(0);
    }
  }

  @Test
  void thePortalsCallbackNamingItsOwnAccountsServerStillConnects() {
    Browser student = new Browser();
    String state = startLogin(student);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    // the verifier is the portal's, the code the emulator's without a challenge: the exchange is real
    HttpResponse<String> cb = student.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code)
        + "&location=us&accounts-server=" + enc(f.zoho.baseUrl() + "/"));
    assertThat(cb.statusCode()).as(cb.body()).isEqualTo(303);
    assertThat(student.get("/connect").body()).contains("Connected as <strong>" + ConsoleFixture.STUDENT);
  }

  @Test
  void aStateFromAnotherBrowserAReplayedCallbackAndARefusalExchangeNothing() {
    Browser attacker = new Browser();
    String attackersState = startLogin(attacker);
    Browser victim = new Browser();
    String victimsState = startLogin(victim);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL");
    // login CSRF: the attacker's state and code in the victim's browser
    HttpResponse<String> forged = victim.get("/connect/callback?state=" + enc(attackersState) + "&code="
        + enc(code));
    assertThat(forged.statusCode()).isEqualTo(400);
    assertThat(forged.body()).contains("state does not match").doesNotContain(code);
    // the victim's own attempt is not spoilt by the forged redirect, and its redirect is used once
    String victimsCode = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"),
        "ZohoCRM.modules.ALL", ConsoleFixture.STUDENT);
    String own = "/connect/callback?state=" + enc(victimsState) + "&code=" + enc(victimsCode);
    assertThat(victim.get(own).statusCode()).isEqualTo(303);
    assertThat(f.zoho.exchangeCalls()).isEqualTo(1);
    assertThat(victim.get(own).body()).contains("not started here");
    f.zoho.resetCounters();
    // a refusal at the accounts server
    String state = startLogin(attacker);
    HttpResponse<String> denied = attacker.get("/connect/callback?state=" + enc(state)
        + "&error=access_denied%3Cscript%3Ealert(1)%3C/script%3E");
    assertThat(denied.statusCode()).isEqualTo(400);
    assertThat(denied.body()).contains("REAUTHORIZATION_REQUIRED").doesNotContain("<script>");
    // no state at all
    startLogin(attacker);
    assertThat(attacker.get("/connect/callback?code=" + enc(code)).statusCode()).isEqualTo(400);
    assertThat(f.zoho.exchangeCalls()).isZero();
  }

  @Test
  void aLoginStartedInTwoTabsConnectsFromEither() {
    Browser student = new Browser();
    String first = startLogin(student);
    startLogin(student); // a second tab
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    HttpResponse<String> cb = student.get("/connect/callback?state=" + enc(first) + "&code=" + enc(code));
    assertThat(cb.statusCode()).as(cb.body()).isEqualTo(303);
    assertThat(student.get("/connect").body()).contains("Connected as");
  }

  @Test
  void thePortalsSessionEndsAfterItsIdleTimeoutAndItsUserNeverReachesTheConsole() {
    Browser student = new Browser();
    String state = startLogin(student);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    assertThat(student.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code)).statusCode())
        .isEqualTo(303);
    OAuthToken stored = f.byUser(ConsoleFixture.STUDENT);
    // the portal's cookie is no console session, under either name
    Browser intruder = new Browser();
    intruder.cookies.put(CONSOLE, student.cookies.get(PORTAL));
    assertThat(intruder.get("/console/tokens").statusCode()).isEqualTo(303);
    assertThat(intruder.post("/console/tokens/" + stored.id() + "/revoke",
        Map.of("csrf", student.csrf("/connect"))).statusCode()).isEqualTo(403);
    assertThat(f.store.findTokenById(stored.id())).isPresent();

    clock.advance(Duration.ofMinutes(29));
    assertThat(student.get("/connect").body()).contains("Connected as");
    clock.advance(Duration.ofMinutes(31));
    assertThat(student.get("/connect").body()).doesNotContain("Connected as").contains("Login with Zoho");
  }

  @Test
  void disconnectRevokesOnlyTheSessionsOwnToken() {
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    Browser student = new Browser();
    String state = startLogin(student);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    assertThat(student.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code)).statusCode())
        .isEqualTo(303);
    OAuthToken own = f.byUser(ConsoleFixture.STUDENT);
    String csrf = student.csrf("/connect");
    // another student's id in the form or the query is not looked at: the session's own token is revoked
    HttpResponse<String> r = student.send(HttpRequest.newBuilder(URI.create(f.url("/connect/disconnect?id="
        + ada.id()))).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("csrf", csrf, "id", ada.id(), "tokenId",
            ada.id())))));
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(f.store.findTokenById(ada.id())).isPresent();
    assertThat(f.zoho.isRefreshTokenValid(ada.refreshToken())).isTrue();
    assertThat(f.store.findTokenById(own.id())).isEmpty();
    assertThat(f.zoho.isRefreshTokenValid(own.refreshToken())).isFalse();
  }

  @Test
  void thePortalsCookieIsSentOnTheRedirectBackFromTheAccountsServer() {
    // the callback is a top-level navigation from another site (Zoho's): a SameSite=Strict cookie is not sent on
    // it, and the callback would always say "not started here". Lax is sent on a top-level GET, never on a POST.
    Browser student = new Browser();
    student.get("/connect");
    assertThat(student.setCookies).isNotEmpty().allSatisfy(c -> assertThat(c).contains(PORTAL + "=",
        "SameSite=Lax", "HttpOnly", "Path=/connect"));
    Browser admin = new Browser();
    admin.get("/console/login");
    assertThat(admin.setCookies).isNotEmpty().allSatisfy(c -> assertThat(c).contains("SameSite=Strict"));
  }

  // ------------------------------------------------------------------------------------ sign-in

  @Test
  void concurrentWrongPasswordsFromOneAddressGetNoMoreTriesThanTheLimit() throws Exception {
    int n = 12;
    List<Browser> browsers = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Browser b = new Browser();
      tokens.add(b.csrf("/console/login"));
      browsers.add(b);
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Browser b = browsers.get(i);
        String csrf = tokens.get(i);
        String guess = "guess " + i;
        results.add(pool.submit(() -> {
          go.await();
          return b.post("/console/login", Map.of("csrf", csrf, "user", "admin", "password", guess)).statusCode();
        }));
      }
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> r : results) {
        statuses.add(r.get(120, TimeUnit.SECONDS));
      }
      assertThat(statuses).filteredOn(s -> s == 401).as("guesses checked: %s", statuses).hasSize(5);
      assertThat(statuses).filteredOn(s -> s == 429).hasSize(n - 5);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void forwardedForHeadersDoNotGiveAnAddressMoreTries() {
    Browser b = new Browser();
    for (int i = 0; i < 6; i++) {
      String csrf = b.csrf("/console/login");
      HttpResponse<String> r = b.send(HttpRequest.newBuilder(URI.create(f.url("/console/login")))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("X-Forwarded-For", "203.0.113." + i).header("X-Real-IP", "203.0.113." + i)
          .header("Forwarded", "for=203.0.113." + i)
          .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("csrf", csrf, "user", "admin", "password",
              "wrong " + i)))));
      assertThat(r.statusCode()).isEqualTo(i < 5 ? 401 : 429);
    }
    // a right password from the admin's own address after the window
    clock.advance(Duration.ofMinutes(1));
    new Browser().signIn();
  }

  @Test
  void wrongPasswordsFromTheAdminsAddressDoNotLockOutABrowserThatSignedInBefore() {
    Browser admin = new Browser().signIn();
    assertThat(admin.post("/console/logout", Map.of("csrf", admin.csrf("/console/tokens"))).statusCode())
        .isEqualTo(303);
    // someone at the same address (behind the same proxy or NAT: here, loopback) guesses
    Browser attacker = new Browser();
    for (int i = 0; i < 5; i++) {
      assertThat(attacker.signIn("guess " + i).statusCode()).isEqualTo(401);
    }
    assertThat(attacker.signIn(ConsoleFixture.PASSWORD).statusCode()).isEqualTo(429);
    assertThat(new Browser().signIn(ConsoleFixture.PASSWORD).statusCode()).isEqualTo(429);
    // the admin's browser still gets in, and its own lane is limited too
    HttpResponse<String> in = admin.signIn(ConsoleFixture.PASSWORD);
    assertThat(in.statusCode()).as(in.body()).isEqualTo(303);
    admin.post("/console/logout", Map.of("csrf", admin.csrf("/console/tokens")));
    for (int i = 0; i < 5; i++) {
      assertThat(admin.signIn("typo " + i).statusCode()).isEqualTo(401);
    }
    assertThat(admin.signIn(ConsoleFixture.PASSWORD).statusCode()).isEqualTo(429);
    // a forged known-browser cookie is no lane of its own
    Browser forger = new Browser();
    forger.cookies.put("tokenstore_console_known", "forged-value");
    assertThat(forger.signIn(ConsoleFixture.PASSWORD).statusCode()).isEqualTo(429);
  }

  @Test
  void aByteOrderMarkAndALineEndAroundThePasswordInItsFileAreNotPartOfIt() throws IOException {
    Path file = dir.resolve("bom-password");
    Files.write(file, ("\uFEFF" + ConsoleFixture.PASSWORD + "\r\n").getBytes(StandardCharsets.UTF_8));
    try (TokenStore store = TokenStores.open("memory:");
        TokenServer server = TokenServer.builder(store).port(0).accessLog(false).console(file).build().start()) {
      Browser admin = new Browser(http, server.uri().toString());
      HttpResponse<String> r = admin.signIn(ConsoleFixture.PASSWORD);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    }
  }

  @Test
  void anEmptyOrShortPasswordFileIsRefusedAtStartWithoutShowingIt() throws IOException {
    for (String content : List.of("", "\n", "   \n" + ConsoleFixture.PASSWORD, "short-pass\n")) {
      Path file = dir.resolve("weak-password");
      Files.writeString(file, content);
      try (TokenStore store = TokenStores.open("memory:")) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenServer.builder(store).console(file))
            .isInstanceOf(dev.tokenstore.TokenstoreException.class).hasMessageContaining("shorter than 12")
            .message().doesNotContain("short-pass");
      }
    }
  }

  @Test
  void sessionIdsAre256RandomBitsAndNeverRepeat() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      Browser b = new Browser();
      b.get("/console/login");
      String id = b.cookies.get("tokenstore_console_login");
      assertThat(id).matches("[A-Za-z0-9_-]{43}");
      assertThat(seen.add(id)).isTrue();
    }
  }

  @Test
  void aVeryLongPasswordIsRefusedWithoutHashingItsWhole() {
    Browser b = new Browser();
    String csrf = b.csrf("/console/login");
    HttpResponse<String> r = b.post("/console/login", Map.of("csrf", csrf, "user", "admin", "password",
        "x".repeat(60_000)));
    assertThat(r.statusCode()).isIn(401, 413);
    HttpResponse<String> tooBig = b.post("/console/login", Map.of("csrf", csrf, "user", "admin", "password",
        "x".repeat(70_000)));
    assertThat(tooBig.statusCode()).isEqualTo(413);
  }

  // ------------------------------------------------------------------------------------ sessions

  @Test
  void aFloodOfAnonymousSessionsDoesNotSignTheAdminOut() throws Exception {
    Browser admin = new Browser().signIn();
    assertThat(admin.get("/console/tokens").statusCode()).isEqualTo(200);
    clock.advance(Duration.ofMinutes(1)); // the admin's session is now the least recently used one
    // 10 000 sign-in pages without a cookie (the most sessions the console keeps), from 4 connections at once
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        all.add(pool.submit(() -> {
          for (int i = 0; i < 2_500; i++) {
            HttpResponse<String> r = new Browser().get("/console/login");
            assertThat(r.statusCode()).isEqualTo(200);
          }
        }));
      }
      for (Future<?> x : all) {
        x.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(admin.get("/console/tokens").statusCode()).as("the admin is still signed in").isEqualTo(200);
  }

  @Test
  void aFloodOfAnonymousPortalVisitsDoesNotDisconnectAStudent() throws Exception {
    Browser student = new Browser();
    String state = startLogin(student);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    assertThat(student.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code)).statusCode())
        .isEqualTo(303);
    clock.advance(Duration.ofMinutes(1)); // the student's session is now the least recently used one
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        all.add(pool.submit(() -> {
          for (int i = 0; i < 2_500; i++) {
            assertThat(new Browser().get("/connect").statusCode()).isEqualTo(200);
          }
        }));
      }
      for (Future<?> x : all) {
        x.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(student.get("/connect").body()).contains("Connected as");
  }

  @Test
  void aFloodOfFailedConnectionsDoesNotPushTheAdminsActionsOutOfTheHistory() throws Exception {
    Browser admin = new Browser().signIn();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    admin.post("/console/tokens/" + ada.id() + "/delete", Map.of("csrf", admin.csrf("/console/tokens/" + ada.id())));
    clock.advance(Duration.ofSeconds(1)); // the admin's entries are the oldest
    // anyone may start a portal login and come back with a wrong state, as often as they like: 2 100 times
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        all.add(pool.submit(() -> {
          Browser attacker = new Browser();
          for (int i = 0; i < 525; i++) {
            startLogin(attacker);
            assertThat(attacker.get("/connect/callback?state=forged&code=x").statusCode()).isEqualTo(400);
          }
        }));
      }
      for (Future<?> x : all) {
        x.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    dev.tokenstore.spi.EntryTable entries = f.store.capability(dev.tokenstore.spi.EntryTable.class).orElseThrow();
    assertThat(entries.list(dev.tokenstore.server.internal.console.History.KIND).values())
        .anySatisfy(v -> assertThat(v).contains("\"deleted\"", ada.id()))
        .anySatisfy(v -> assertThat(v).contains("\"signed in\""))
        .anySatisfy(v -> assertThat(v).contains("connect failed"));
    assertThat(admin.get("/console/history").body()).contains("connect failed");
    assertThat(admin.get("/console/tokens/" + ada.id()).statusCode()).isEqualTo(404); // deleted; its history:
    f.store.saveToken(ada);
    assertThat(admin.get("/console/tokens/" + ada.id()).body()).contains("deleted without revoking");
  }

  @Test
  void theSignInPageReachedFromAnotherSiteDoesNotReplaceTheAdminsCookie() {
    Browser admin = new Browser().signIn();
    String cookie = admin.cookies.get(CONSOLE);
    // a link from another site: the Strict cookie is not sent, so the page is asked for without it
    Browser fromElsewhere = new Browser();
    HttpResponse<String> page = fromElsewhere.get("/console/login");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(fromElsewhere.setCookies).isNotEmpty()
        .noneSatisfy(c -> assertThat(c).startsWith(CONSOLE + "="));
    // the browser keeps both; the admin is still signed in
    admin.cookies.putAll(fromElsewhere.cookies);
    assertThat(admin.cookies.get(CONSOLE)).isEqualTo(cookie);
    assertThat(admin.get("/console/tokens").statusCode()).isEqualTo(200);
    // and that sign-in form still works, and its session does not outlive the sign-in
    Browser b = new Browser();
    b.signIn();
    assertThat(b.setCookies).anySatisfy(c -> assertThat(c).startsWith("tokenstore_console_login=;")
        .contains("Max-Age=0"));
  }

  @Test
  void aSessionEndsAfterItsAbsoluteLifetimeHoweverBusy() {
    Browser admin = new Browser().signIn();
    for (int i = 0; i < 12 * 6; i++) { // a request every 10 minutes for 12 hours
      clock.advance(Duration.ofMinutes(10));
      HttpResponse<String> r = admin.get("/console/tokens");
      if (r.statusCode() != 200) {
        assertThat(i).as("ended after %d minutes", (i + 1) * 10).isGreaterThanOrEqualTo(6 * 6 - 1);
        assertThat(r.headers().firstValue("Location")).contains("/console/login");
        return;
      }
    }
    throw new AssertionError("a session kept busy lasted 12 hours");
  }

  @Test
  void theSessionCookieIsSecureUnderTls() throws Exception {
    Path ks = dir.resolve("serve.p12");
    keytool("-genkeypair", "-alias", "serve", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
        "-storepass", "serve-pass");
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      trusted.load(in, "serve-pass".toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    try (TokenStore store = TokenStores.open("memory:");
        TokenServer server = TokenServer.builder(store).port(0).accessLog(false).tls(ks, "serve-pass".toCharArray())
            .console(f.passwordFile).portal(dev.tokenstore.oauth.Environment.zohoAccounts(f.zoho.baseUrl(),
                f.zoho.apiDomain()), ConsoleFixture.CLIENT_ID, null, "ZohoCRM.modules.ALL", null,
                Duration.ofMinutes(30)).build().start()) {
      HttpClient https = HttpClient.newBuilder().sslContext(ssl).followRedirects(HttpClient.Redirect.NEVER).build();
      Browser admin = new Browser(https, server.uri().toString());
      admin.signIn();
      admin.post("/console/logout", Map.of("csrf", admin.csrf("/console/tokens")));
      Browser student = new Browser(https, server.uri().toString());
      student.get("/connect");
      List<String> all = new ArrayList<>(admin.setCookies);
      all.addAll(student.setCookies);
      assertThat(all).hasSizeGreaterThanOrEqualTo(4).allSatisfy(c -> assertThat(c).contains("; Secure", "HttpOnly"));
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  // ------------------------------------------------------------------------------------ authorization, CSRF

  @Test
  void everyConsoleRouteNeedsASignedInAdminAndAnApiKeyIsNoSubstitute() {
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    String key = f.server.apiKeys().create("ops", ApiScope.ADMIN).key();
    Browser anonymous = new Browser();
    String anonymousCsrf = anonymous.csrf("/console/login"); // a real token of a session not signed in
    for (String path : List.of("/console", "/console/tokens", "/console/tokens/" + ada.id(), "/console/logout-all",
        "/console/cleanup", "/console/history")) {
      HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(f.url(path)))
          .header("Authorization", "Bearer " + key).GET());
      assertThat(r.statusCode()).as(path).isEqualTo(303);
      assertThat(r.headers().firstValue("Location")).as(path).contains("/console/login");
      assertThat(r.body()).as(path).doesNotContain(ConsoleFixture.ADA);
    }
    Map<String, Map<String, String>> posts = Map.of(
        "/console/tokens/" + ada.id() + "/refresh", Map.of(),
        "/console/tokens/" + ada.id() + "/revoke", Map.of(),
        "/console/tokens/" + ada.id() + "/delete", Map.of(),
        "/console/logout-all", Map.of("client", "", "count", "64"),
        "/console/cleanup", Map.of("days", "1", "count", "3"));
    for (Map.Entry<String, Map<String, String>> e : posts.entrySet()) {
      Map<String, String> body = new LinkedHashMap<>(e.getValue());
      body.put("csrf", anonymousCsrf);
      HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(f.url(e.getKey())))
          .header("Authorization", "Bearer " + key).header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form(body))));
      assertThat(r.statusCode()).as(e.getKey()).isIn(303, 403);
    }
    assertThat(f.store.getTokens()).hasSize(64);
    assertThat(f.zoho.revokeCalls()).isZero();
    assertThat(f.zoho.refreshCalls()).isZero();
  }

  @Test
  void formsInOtherEncodingsOrMethodsChangeNothing() {
    Browser admin = new Browser().signIn();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    String csrf = admin.csrf("/console/tokens/" + ada.id());
    String path = "/console/tokens/" + ada.id() + "/delete";
    // a form with enctype=text/plain, JSON, and a GET with the token in the query
    HttpResponse<String> plain = admin.send(HttpRequest.newBuilder(URI.create(f.url(path)))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf)));
    assertThat(plain.statusCode()).isEqualTo(403);
    HttpResponse<String> json = admin.send(HttpRequest.newBuilder(URI.create(f.url(path)))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"csrf\":\"" + csrf
            + "\"}")));
    assertThat(json.statusCode()).isEqualTo(403);
    HttpResponse<String> query = admin.send(HttpRequest.newBuilder(URI.create(f.url(path + "?csrf=" + csrf)))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(query.statusCode()).isEqualTo(403);
    HttpResponse<String> get = admin.get(path + "?csrf=" + csrf);
    assertThat(get.statusCode()).isIn(404, 405);
    // Javalin routes by X-HTTP-Method-Override: a GET must not reach a POST handler (nor the API's DELETE)
    HttpResponse<String> override = admin.send(HttpRequest.newBuilder(URI.create(f.url(path)))
        .header("X-HTTP-Method-Override", "POST").header("Content-Type", "application/x-www-form-urlencoded")
        .method("GET", HttpRequest.BodyPublishers.ofString("csrf=" + enc(csrf))));
    assertThat(override.statusCode()).isEqualTo(400);
    assertThat(admin.get("/console/tokens/" + ada.id() + "?_method=POST").statusCode()).isEqualTo(200);
    String key = f.server.apiKeys().create("reader", ApiScope.ADMIN).key();
    Http.Reply api = new Http(f.server.uri()).send(new Http(f.server.uri()).request("/api/v1/tokens/" + ada.id(), key)
        .header("X-HTTP-Method-Override", "DELETE").GET());
    assertThat(api.status()).isEqualTo(400);
    assertThat(f.store.findTokenById(ada.id())).isPresent();
    // sign-out by a page of another site (no CSRF token) does not end the session
    assertThat(admin.post("/console/logout", Map.of()).statusCode()).isEqualTo(403);
    assertThat(admin.get("/console/tokens").statusCode()).isEqualTo(200);
  }

  // ------------------------------------------------------------------------------------ output, input

  @Test
  void markupInStoredFieldsAndInTheSearchIsShownAsText() {
    String evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>\u0000\u202e";
    OAuthToken t = f.store.saveToken(OAuthToken.builder().userName("mallory" + evil).clientId("client" + evil)
        .apiDomain("javascript:alert(3)//" + evil).redirectUrl("javascript:alert(4)").accessToken("at-SECRET")
        .expiresAt(Instant.now().plus(Duration.ofHours(1))).build());
    Browser admin = new Browser().signIn();
    String csrf = admin.csrf("/console/tokens/" + t.id());
    admin.post("/console/tokens/" + t.id() + "/delete", Map.of("csrf", csrf)); // the history has the name too
    f.store.saveToken(t.toBuilder().id(null).build());
    StringBuilder all = new StringBuilder();
    for (String path : List.of("/console", "/console/tokens?q=" + enc("mallory<script>\"'"),
        "/console/tokens?q=" + enc(evil) + "&status=", "/console/logout-all?client=" + enc("client" + evil),
        "/console/history", "/console/tokens/" + f.byUser("mallory" + evil).id())) {
      HttpResponse<String> r = admin.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Security-Policy")).as(path).isPresent();
      all.append(r.body());
    }
    assertThat(all.toString()).doesNotContain("<script>", "<img", "href=\"javascript:")
        .contains("&lt;script&gt;");
    assertThat(all.toString()).doesNotContain("at-SECRET");
  }

  @Test
  void bidiAndInvisibleCharactersInStoredNamesAreShownNotObeyed() {
    // "admin\u202Egpj.exe" displays as "adminexe.jpg": a name must not pass for another on the console
    OAuthToken t = f.store.saveToken(OAuthToken.builder().userName("admin\u202Egpj.exe\u200B@zylker.example")
        .clientId("client\u2066x").accessToken("at-SECRET").expiresAt(Instant.now().plus(Duration.ofHours(1)))
        .build());
    Browser admin = new Browser().signIn();
    String csrf = admin.csrf("/console/tokens/" + t.id());
    admin.post("/console/tokens/" + t.id() + "/refresh", Map.of("csrf", csrf)); // the history has the name too
    StringBuilder all = new StringBuilder();
    for (String path : List.of("/console/tokens?q=admin", "/console/tokens/" + t.id(), "/console/history",
        "/console/cleanup?days=0", "/console/logout-all")) {
      HttpResponse<String> r = admin.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      all.append(r.body());
    }
    // shown text only: a form's values go back to the service as they are stored (the global logout's client)
    String shown = all.toString().replaceAll("value=\"[^\"]*\"", "value");
    assertThat(shown).doesNotContain("\u202E", "\u200B", "\u2066")
        .contains("admin[U+202E]gpj.exe[U+200B]@zylker.example", "client[U+2066]x");
  }

  @Test
  void hostileQueryParametersGetAPageOrA400NeverA500() {
    Browser admin = new Browser().signIn();
    for (String q : List.of("page=-1", "page=0", "page=2147483647", "page=99999999999999", "page=abc",
        "page=%00", "q=%00%E2%80%AE%ED%A0%80", "q=" + "a".repeat(6000), "status=%3Cscript%3E",
        "status=VALID", "q=&q=&status=&status=")) {
      HttpResponse<String> r = admin.get("/console/tokens?" + q);
      assertThat(r.statusCode()).as(q).isIn(200, 400);
      assertThat(r.body()).as(q).doesNotContain("<script>");
    }
    for (String q : List.of("days=-1", "days=99999999999", "days=abc", "days=%00")) {
      assertThat(admin.get("/console/cleanup?" + q).statusCode()).as(q).isEqualTo(400);
    }
    String csrf = admin.csrf("/console/cleanup");
    for (String count : List.of("-1", "abc", "", "2147483648", "63")) {
      HttpResponse<String> r = admin.post("/console/cleanup", Map.of("csrf", csrf, "days", "1", "count", count));
      assertThat(r.statusCode()).as(count).isIn(303, 400);
    }
    assertThat(f.store.getTokens()).hasSize(64);
    assertThat(admin.get("/console/tokens/" + enc("../../api/v1/tokens")).statusCode()).isIn(404, 400);
  }

  @Test
  void errorsAndUnknownPagesUnderTheConsoleAndThePortalCarryTheSecurityHeaders() {
    Browser admin = new Browser().signIn();
    for (String path : List.of("/console/nope", "/console/tokens/a/b/c", "/connect/nope",
        "/console/tokens/no-such-id", "/console/tokens?status=bogus")) {
      HttpResponse<String> r = admin.get(path);
      assertThat(r.statusCode()).as(path).isIn(400, 404);
      assertThat(r.headers().firstValue("Content-Security-Policy")).as(path).isPresent();
      assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).contains("nosniff");
      assertThat(r.headers().firstValue("X-Frame-Options")).as(path).contains("DENY");
    }
    HttpResponse<String> put = admin.send(HttpRequest.newBuilder(URI.create(f.url("/console/login")))
        .PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Content-Security-Policy")).isPresent();
  }

  @Test
  void headAndOptionsRequestsCarryTheSecurityHeadersToo() {
    // Javalin answers HEAD for a GET route (and OPTIONS, 405 for other methods) itself: the answers must carry
    // the headers of the routes they stand for, on every path, signed in or not
    Browser admin = new Browser().signIn();
    for (String path : List.of("/console/login", "/console/tokens", "/connect", "/healthz", "/api/v1/tokens",
        "/console/nope", "/metrics")) {
      for (String method : List.of("HEAD", "OPTIONS", "TRACE")) {
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(URI.create(f.url(path)))
            .method(method, HttpRequest.BodyPublishers.noBody()));
        String what = method + " " + path + " " + r.statusCode();
        assertThat(r.headers().firstValue("Content-Security-Policy")).as(what).isPresent();
        assertThat(r.headers().firstValue("X-Content-Type-Options")).as(what).contains("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).as(what).contains("DENY");
      }
    }
  }

  @Test
  void requestsJettyRefusesBeforeRoutingGetTheSecurityHeadersToo() throws IOException {
    for (String request : List.of(
        "GET /console/tokens?q=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /console/login HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\nConnection: close\r\n\r\n",
        "GET /console/login<script>alert(1)</script> HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /console/tokens/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
      String reply;
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", f.server.port())) {
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
          socket.getInputStream().transferTo(out);
        } catch (java.net.SocketException reset) {
          // the server may close before it has read everything: the reply was read
        }
        reply = out.toString(StandardCharsets.ISO_8859_1);
      }
      String head = reply.split("\r\n\r\n", 2)[0];
      assertThat(head).as(request.substring(0, 40)).matches("(?s)HTTP/1.1 4\\d\\d .*")
          .contains("Content-Security-Policy: default-src 'none'", "X-Content-Type-Options: nosniff",
              "X-Frame-Options: DENY");
      assertThat(reply).doesNotContain("<script>");
    }
  }

  @Test
  void noSecretInAnyPageHeaderOrLogLine() {
    Browser admin = new Browser().signIn();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    String sessionId = admin.cookies.get(CONSOLE);
    StringBuilder seen = new StringBuilder();
    String csrf = admin.csrf("/console/tokens/" + ada.id());
    for (HttpResponse<String> r : List.of(
        admin.post("/console/tokens/" + ada.id() + "/refresh", Map.of("csrf", csrf)),
        admin.get("/console/tokens/" + ada.id()),
        admin.get("/console/history"),
        new Browser().signIn("wrong " + ConsoleFixture.PASSWORD))) {
      seen.append(r.headers().map()).append(r.body());
    }
    // a store failure and an accounts-server failure on the way
    f.zoho.faults(dev.tokenstore.emulator.Endpoint.TOKEN).status(500, "{\"error\":\"server_error\"}", 1);
    seen.append(admin.post("/console/tokens/" + ada.id() + "/refresh", Map.of("csrf", csrf)).body());
    seen.append(admin.get("/console/tokens/" + ada.id()).body());
    Browser student = new Browser();
    String state = startLogin(student);
    String code = f.zoho.issueGrantCode(ConsoleFixture.CLIENT_ID, f.url("/connect/callback"), "ZohoCRM.modules.ALL",
        ConsoleFixture.STUDENT);
    HttpResponse<String> connected = student.get("/connect/callback?state=" + enc(state) + "&code=" + enc(code));
    seen.append(connected.headers().map()).append(student.get("/connect").body());
    OAuthToken fresh = f.byUser(ConsoleFixture.ADA);
    OAuthToken studentToken = f.byUser(ConsoleFixture.STUDENT);
    String pages = seen.toString().replace(sessionId, "SESSION-COOKIE-SET"); // its own Set-Cookie is fine
    assertThat(pages).doesNotContain(ada.accessToken(), ada.refreshToken(), fresh.accessToken(),
        ConsoleFixture.CLIENT_SECRET, ConsoleFixture.PASSWORD, code, studentToken.accessToken(),
        studentToken.refreshToken());
    String logs = String.join("\n", logged);
    assertThat(logs).doesNotContain(ada.accessToken(), ada.refreshToken(), fresh.accessToken(),
        ConsoleFixture.CLIENT_SECRET, ConsoleFixture.PASSWORD, code, studentToken.accessToken(),
        studentToken.refreshToken(), sessionId, csrf, state);
  }
}
