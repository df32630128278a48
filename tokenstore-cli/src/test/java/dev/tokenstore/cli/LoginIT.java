package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * login (against the emulator and mock-oauth2-server), exchange, import, access-token, refresh, revoke and the
 * re-authorization exit code, run as the real jar; the "browser" is an HTTP client following the redirect.
 */
class LoginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "cli-client-SECRET-value";
  private static final HttpClient BROWSER =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private static AccountsEmulator zoho;

  @TempDir Path home;

  @BeforeAll
  static void start() {
    zoho = AccountsEmulator.builder().user("jane@example.com").start();
  }

  @AfterAll
  static void stop() {
    zoho.close();
  }

  private String[] zohoArgs(String store, String... more) {
    List<String> a = new ArrayList<>(List.of("--store", store, "--accounts-url", zoho.baseUrl(), "--client-id",
        "cli-client", "--client-secret", SECRET));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  /** Acts as the browser: opens the authorization URL and follows its redirect to the loopback listener. */
  private static void approve(String url) throws Exception {
    HttpResponse<String> consent = BROWSER.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(consent.statusCode()).as(consent.body()).isEqualTo(302);
    String location = consent.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("http://127.0.0.1:");
    HttpResponse<String> page = BROWSER.send(HttpRequest.newBuilder(URI.create(location)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("received the authorization");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void loginAgainstTheEmulatorThenUseRefreshAndRevokeTheToken() throws Exception {
    String store = "sqlite:" + home.resolve("tokens.db");
    int port = freePort();
    List<String> outputs = new ArrayList<>();
    try (Jar.Running login = new Jar.Running(home, zohoArgs(store, "login", "--no-browser", "--port",
        String.valueOf(port), "--wait", "60s"))) {
      String url = login.lineStartingWith("http");
      assertThat(url).startsWith(zoho.authorizationUrl()).contains("code_challenge_method=S256", "state=",
          "access_type=offline", "redirect_uri=" + URLEncoder.encode("http://127.0.0.1:" + port + "/callback",
              StandardCharsets.UTF_8));
      approve(url);
      assertThat(login.awaitExit()).as(login.stderr()).isZero();
      String result = login.lineStartingWith("Logged in");
      assertThat(result).contains("stored token id 1 for user jane@example.com");
      outputs.add(login.stdoutSoFar() + result + login.stderr());
    }
    OAuthToken stored;
    try (TokenStore s = TokenStores.open(store)) {
      stored = s.findTokenById("1").orElseThrow();
    }
    assertThat(stored.userName()).isEqualTo("jane@example.com");
    assertThat(stored.clientId()).isEqualTo("cli-client");
    assertThat(zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();

    Jar.Result list = Jar.run(home, zohoArgs(store, "list", "--json"));
    JsonNode a = JSON.readTree(list.out());
    assertThat(a).hasSize(1);
    assertThat(a.get(0).get("user").asText()).isEqualTo("jane@example.com");
    assertThat(a.get(0).get("apiDomain").asText()).isEqualTo(zoho.apiDomain());
    assertThat(a.get(0).get("status").asText()).isEqualTo("valid");
    outputs.add(list.all());
    Jar.Result show = Jar.run(home, zohoArgs(store, "show", "--user", "jane@example.com"));
    assertThat(show.out()).contains("status:        valid");
    outputs.add(show.all());
    Jar.Result reveal = Jar.run(home, zohoArgs(store, "show", "--id", "1", "--reveal"));
    assertThat(reveal.out()).contains(stored.refreshToken(), stored.accessToken());

    Jar.Result access = Jar.run(home, zohoArgs(store, "access-token", "--user", "jane@example.com"));
    assertThat(access.exit()).isZero();
    assertThat(access.out().strip()).isEqualTo(stored.accessToken());
    assertThat(access.err()).isEmpty();

    long refreshes = zoho.refreshCalls();
    Jar.Result refresh = Jar.run(home, zohoArgs(store, "refresh", "--id", "1", "--force"));
    assertThat(refresh.exit()).as(refresh.all()).isZero();
    assertThat(refresh.out()).startsWith("Refreshed: token id 1");
    assertThat(zoho.refreshCalls()).isEqualTo(refreshes + 1);
    outputs.add(refresh.all());
    Jar.Result notDue = Jar.run(home, zohoArgs(store, "refresh", "--id", "1"));
    assertThat(notDue.out()).startsWith("Still valid");
    assertThat(zoho.refreshCalls()).isEqualTo(refreshes + 1);
    outputs.add(notDue.all());

    String newAccess;
    try (TokenStore s = TokenStores.open(store)) {
      newAccess = s.findTokenById("1").orElseThrow().accessToken();
    }
    long revokes = zoho.revokeCalls();
    Jar.Result revoke = Jar.run(home, zohoArgs(store, "revoke", "--id", "1"));
    assertThat(revoke.exit()).as(revoke.all()).isZero();
    assertThat(revoke.out()).contains("Revoked token id 1");
    outputs.add(revoke.all());
    assertThat(zoho.revokeCalls()).isEqualTo(revokes + 1);
    assertThat(zoho.isRefreshTokenValid(stored.refreshToken())).isFalse();
    try (TokenStore s = TokenStores.open(store)) {
      assertThat(s.getTokens()).isEmpty();
    }

    for (String o : outputs) {
      assertThat(o).doesNotContain(SECRET, stored.refreshToken(), stored.accessToken(), newAccess);
    }
  }

  @Test
  void exchangeImportAndTheReauthorizationExitCode() throws Exception {
    String store = "sqlite:" + home.resolve("tokens.db");
    String code = zoho.issueGrantCode("cli-client", "http://localhost/cb", "ZohoCRM.users.READ");
    Jar.Result exchange = Jar.run(home, zohoArgs(store, "exchange", "--grant-token", code, "--redirect-url",
        "http://localhost/cb"));
    assertThat(exchange.exit()).as(exchange.all()).isZero();
    assertThat(exchange.out()).contains("Exchanged: stored token id 1 for user jane@example.com");
    assertThat(exchange.all()).doesNotContain(code, SECRET);

    // A refresh token obtained elsewhere.
    String code2 = zoho.issueGrantCode("cli-client", "http://localhost/cb", "ZohoCRM.users.READ", "bob@example.com");
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(zoho.tokenUrl()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=cli-client&client_secret="
            + SECRET + "&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&code=" + URLEncoder.encode(code2, StandardCharsets.UTF_8)))
        .build(), HttpResponse.BodyHandlers.ofString());
    String bobRefresh = JSON.readTree(r.body()).get("refresh_token").asText();
    Jar.Result imported = Jar.run(home, zohoArgs(store, "import", "--refresh-token", bobRefresh, "--user", "bob"));
    assertThat(imported.exit()).as(imported.all()).isZero();
    assertThat(imported.out()).contains("Imported: stored token id 2 for user bob");
    assertThat(imported.all()).doesNotContain(bobRefresh, SECRET);

    // The user revokes the access at the server; once the access token has expired, the CLI exits with 3.
    OAuthToken jane;
    try (TokenStore s = TokenStores.open(store)) {
      jane = s.findTokenById("1").orElseThrow();
      s.saveToken(OAuthToken.builder().id("1").expiresAt(Instant.now().minusSeconds(60)).build());
    }
    HttpResponse<String> revoked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(zoho.revokeUrl() + "?token=" + URLEncoder.encode(jane.refreshToken(), StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(revoked.statusCode()).isEqualTo(200);
    Jar.Result reauth = Jar.run(home, zohoArgs(store, "access-token", "--id", "1"));
    assertThat(reauth.exit()).as(reauth.all()).isEqualTo(3);
    assertThat(reauth.out()).isEmpty();
    assertThat(reauth.err()).contains("[REAUTHORIZATION_REQUIRED]", "tokenstore login");
    assertThat(reauth.all()).doesNotContain(jane.refreshToken(), SECRET, "\tat ");
    Jar.Result listed = Jar.run(home, zohoArgs(store, "list", "--json"));
    assertThat(JSON.readTree(listed.out()).get(0).get("status").asText()).isEqualTo("expired");
  }

  @Test
  void shortLivedTokensAreNotRefreshedByEveryAccessTokenCall() throws Exception {
    // Issue 10: with 30-second tokens (shorter than the five-minute window) every call used to refresh.
    try (AccountsEmulator shortLived = AccountsEmulator.builder().user("jane@example.com")
        .accessTokenTtl(Duration.ofSeconds(30)).start()) {
      String store = "sqlite:" + home.resolve("short.db");
      String code = shortLived.issueGrantCode("cli-client", "http://localhost/cb", "ZohoCRM.users.READ");
      List<String> common = List.of("--store", store, "--accounts-url", shortLived.baseUrl(), "--client-id",
          "cli-client", "--client-secret", SECRET);
      List<String> exchangeArgs = new ArrayList<>(common);
      exchangeArgs.addAll(List.of("exchange", "--grant-token", code, "--redirect-url", "http://localhost/cb"));
      Jar.Result exchange = Jar.run(home, exchangeArgs.toArray(String[]::new));
      assertThat(exchange.exit()).as(exchange.all()).isZero();
      List<String> accessArgs = new ArrayList<>(common);
      accessArgs.addAll(List.of("access-token", "--id", "1"));
      Jar.Result first = Jar.run(home, accessArgs.toArray(String[]::new));
      Jar.Result second = Jar.run(home, accessArgs.toArray(String[]::new));
      assertThat(first.exit()).as(first.all()).isZero();
      assertThat(second.exit()).as(second.all()).isZero();
      assertThat(second.out()).isEqualTo(first.out());
      assertThat(shortLived.refreshCalls()).as("refreshes by two access-token calls right after the exchange")
          .isZero();
    }
  }

  @Test
  void exchangeAndImportNeverHandAUsersTokenToAnotherAndImportAlwaysChecks() throws Exception {
    String store = "sqlite:" + home.resolve("tokens.db");
    String code = zoho.issueGrantCode("cli-client", "http://localhost/cb", "ZohoCRM.users.READ");
    Jar.Result jane = Jar.run(home, zohoArgs(store, "exchange", "--grant-token", code, "--redirect-url",
        "http://localhost/cb"));
    assertThat(jane.exit()).as(jane.all()).isZero();

    // the same code again, for another user: the seed's rule finds jane's record, which is not bob's
    Jar.Result again = Jar.run(home, zohoArgs(store, "exchange", "--grant-token", code, "--redirect-url",
        "http://localhost/cb", "--user", "bob"));
    assertThat(again.exit()).as(again.all()).isEqualTo(1);
    assertThat(again.err()).contains("[INVALID_ARGUMENT]", "already used", "jane@example.com");
    assertThat(again.all()).doesNotContain(code, SECRET);

    OAuthToken stored;
    try (TokenStore s = TokenStores.open(store)) {
      stored = s.findTokenById("1").orElseThrow();
    }
    // jane's refresh token imported "for bob": refused, not renamed, and no call to the server
    long refreshes = zoho.refreshCalls();
    Jar.Result steal = Jar.run(home, zohoArgs(store, "import", "--refresh-token", stored.refreshToken(),
        "--user", "bob"));
    assertThat(steal.exit()).as(steal.all()).isEqualTo(1);
    assertThat(steal.err()).contains("already stored as token id 1 for user jane@example.com", "not renamed");
    assertThat(zoho.refreshCalls()).isEqualTo(refreshes);

    // importing it as it is checks it at the server, although the stored access token is still valid
    Jar.Result check = Jar.run(home, zohoArgs(store, "import", "--refresh-token", stored.refreshToken()));
    assertThat(check.exit()).as(check.all()).isZero();
    assertThat(zoho.refreshCalls()).isEqualTo(refreshes + 1);
    try (TokenStore s = TokenStores.open(store)) {
      assertThat(s.getTokens()).hasSize(1);
      assertThat(s.findTokenById("1").orElseThrow().userName()).isEqualTo("jane@example.com");
    }
  }

  @Test
  void aDeniedLoginExitsWith3AndCreatesNoStore() throws Exception {
    Path db = home.resolve("denied.db");
    // --port 0: the listener takes a free port itself (a port chosen here and bound later by the jar's JVM, seconds
    // later on a loaded machine, could be taken meanwhile); the explicit --port is the subject of the test above
    try (Jar.Running login = new Jar.Running(home, zohoArgs("sqlite:" + db, "login", "--no-browser", "--port", "0",
        "--wait", "60s"))) {
      String url = login.lineStartingWith("http");
      java.util.regex.Matcher redirect = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(\\d+)/callback")
          .matcher(java.net.URLDecoder.decode(url, StandardCharsets.UTF_8));
      assertThat(redirect.find()).as(url).isTrue();
      int port = Integer.parseInt(redirect.group(1));
      String state = URI.create(url).getRawQuery().replaceAll("^.*(?:^|&)state=([^&]*).*$", "$1");
      // the accounts server sends the user back with an error instead of a code
      HttpResponse<String> page = BROWSER.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/callback?error=access_denied&state=" + state)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isLessThan(500);
      assertThat(login.awaitExit()).as(login.stderr()).isEqualTo(3);
      assertThat(login.stderr()).contains("access_denied");
    }
    assertThat(db).doesNotExist();
  }

  @Test
  void aWrongClientSecretIsReportedAsSuch() throws Exception {
    try (AccountsEmulator strict = AccountsEmulator.builder().registerClient("reg-client", "right-secret").start()) {
      String code = strict.issueGrantCode("reg-client", "http://localhost/cb", "ZohoCRM.users.READ");
      Jar.Result r = Jar.run(home, "--store", "sqlite:" + home.resolve("t.db"), "--accounts-url", strict.baseUrl(),
          "--client-id", "reg-client", "--client-secret", "wrong-secret", "exchange", "--grant-token", code,
          "--redirect-url", "http://localhost/cb");
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).contains("[INVALID_CLIENT]", "client secret").doesNotContain("wrong-secret", code, "\tat ");
    }
  }

  @Test
  void loginAgainstMockOAuth2Server() throws Exception {
    MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(false, null, null, true));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    try {
      String store = "sqlite:" + home.resolve("rfc.db");
      String[] env = {"--store", store, "--token-url", server.tokenEndpointUrl("tokenstore").toString(),
          "--auth-url", server.authorizationEndpointUrl("tokenstore").toString(),
          "--revoke-url", server.revocationEndpointUrl("tokenstore").toString(),
          "--client-id", "rfc-client", "--client-secret", "rfc-SECRET"};
      List<String> login = new ArrayList<>(List.of(env));
      login.addAll(List.of("login", "--no-browser", "--user", "alice", "--scope", "openid offline_access"));
      try (Jar.Running p = new Jar.Running(home, login.toArray(String[]::new))) {
        approve(p.lineStartingWith("http"));
        assertThat(p.awaitExit()).as(p.stderr()).isZero();
        assertThat(p.lineStartingWith("Logged in")).contains("stored token id 1 for user alice");
      }
      OAuthToken t;
      try (TokenStore s = TokenStores.open(store)) {
        t = s.findTokenById("1").orElseThrow();
      }
      assertThat(t.refreshToken()).isNotBlank();
      List<String> refresh = new ArrayList<>(List.of(env));
      refresh.addAll(List.of("refresh", "--user", "alice", "--force"));
      Jar.Result r = Jar.run(home, refresh.toArray(String[]::new));
      assertThat(r.exit()).as(r.all()).isZero();
      try (TokenStore s = TokenStores.open(store)) {
        assertThat(s.findTokenById("1").orElseThrow().refreshToken()).isNotEqualTo(t.refreshToken()); // rotated
      }
      List<String> revoke = new ArrayList<>(List.of(env));
      revoke.addAll(List.of("revoke", "--user", "alice"));
      Jar.Result rv = Jar.run(home, revoke.toArray(String[]::new));
      assertThat(rv.exit()).as(rv.all()).isZero();
      assertThat(r.all() + rv.all()).doesNotContain("rfc-SECRET", t.refreshToken());
    } finally {
      server.shutdown();
    }
  }
}
