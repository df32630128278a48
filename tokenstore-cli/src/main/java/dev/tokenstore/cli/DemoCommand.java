package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.oauth.AuthorizationRequest;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.oauth.TokenManagerMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokenstore demo}: the whole lifecycle against the local accounts emulator, with a simulated clock so that
 * expiry happens at once. Not thread-safe (one per run).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the whole token lifecycle offline, in a few seconds.",
      "Starts a local Zoho accounts emulator,",
      "authorizes with a loopback redirect (state, PKCE), exchanges and stores the tokens in SQLite, calls",
      "the API, lets the access token expire (simulated clock) and refreshes it automatically, has many",
      "concurrent callers share one refresh, and revokes. Uses a temporary SQLite store unless --store is given."
    })
final class DemoCommand implements Callable<Integer> {
  private static final String CLIENT_ID = "1000.DEMOCLIENT";
  private static final String CLIENT_SECRET = "demo-client-secret";
  private static final String USER = "jane@example.com";
  private static final int STEPS = 7;

  @Mixin StoreSession session;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "50",
      description = "Concurrent callers at expiry (default: ${DEFAULT-VALUE}).")
  int threads;

  private PrintWriter out = new PrintWriter(Writer.nullWriter()); // the command line's, set in call()
  private int step;

  @Override
  public Integer call() throws Exception {
    if (threads < 1 || threads > 1000) {
      throw new CliException(ExitCodes.USAGE, "--threads must be between 1 and 1000.");
    }
    out = session.out();
    long startedNanos = System.nanoTime();
    out.println("tokenstore demo: the token lifecycle against a local Zoho accounts emulator.");
    out.println("No network and no configuration; the emulator's clock and the library's are simulated,");
    out.println("so an hour passes instantly.");
    out.println();
    ManualClock clock = new ManualClock();
    Path tempDir = null;
    String storeUri;
    String given = session.options().store;
    if (given != null) {
      storeUri = StoreSession.expandHome(given);
    } else {
      tempDir = Files.createTempDirectory("tokenstore-demo-");
      storeUri = "sqlite:" + tempDir.resolve("tokens.db");
    }
    try (AccountsEmulator zoho = AccountsEmulator.builder().user(USER).accessTokenTtl(Duration.ofHours(1))
            .clock(clock).start();
        TokenStore store = session.open(storeUri)) {
      run(zoho, store, storeUri, clock);
    } finally {
      if (tempDir != null) {
        deleteTree(tempDir);
      }
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    out.println();
    out.println("Demo finished in " + ms + " ms. Next: 'tokenstore --help', or run the emulator with");
    out.println("'tokenstore emulator' and log in against it with 'tokenstore --accounts-url URL --client-id X login'.");
    out.flush();
    return ExitCodes.OK;
  }

  private void run(AccountsEmulator zoho, TokenStore store, String storeUri, ManualClock clock) throws Exception {
    Environment env = Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain());
    step("Started the Zoho accounts emulator at " + zoho.baseUrl() + " (user " + USER + ")");
    detail("store: " + StoreSupport.show(storeUri) + " (SQLite)");

    // 1. authorize with a loopback redirect
    AuthorizationRequest request;
    AuthorizationRequest.Callback callback;
    String redirectUri;
    try (LoopbackReceiver receiver = new LoopbackReceiver(0)) {
      redirectUri = receiver.redirectUri();
      request = AuthorizationRequest.create(env, CLIENT_ID, redirectUri, "ZohoCRM.users.READ");
      receiver.expect(request);
      String url = request.uri().toString();
      HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      HttpResponse<Void> consent = browser.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      String location = consent.headers().firstValue("Location").orElseThrow(() -> new CliException(
          "The emulator did not redirect (HTTP " + consent.statusCode() + ")."));
      browser.send(HttpRequest.newBuilder(URI.create(location)).GET().build(), HttpResponse.BodyHandlers.discarding());
      callback = request.callback(receiver.await(Duration.ofSeconds(10)));
    }
    step("Authorized: the \"browser\" opened the authorization URL, the emulator consented and redirected to");
    detail(redirectUri + " with a grant code; state checked, PKCE S256 verifier kept for the exchange");

    // 2. exchange and store
    Environment at = callback.environment(env);
    OAuthToken saved = new Authorizer(clock, CLIENT_ID, CLIENT_SECRET, w -> detail("warning: " + w),
        UnaryOperator.identity())
        .exchange(store, at, redirectUri, callback.code(), request.codeVerifier(), null);
    String id = Objects.requireNonNull(saved.id(), "a saved token has an id");
    step("Exchanged the grant code and stored the tokens: id " + id + ", user " + saved.userName()
        + ", access token valid for 1 h");
    detail("secrets are kept, never printed: access token " + StoreSupport.secret(saved.accessToken(), false)
        + ", refresh token " + StoreSupport.secret(saved.refreshToken(), false));

    TokenManager manager = TokenManager.builder().store(store).environment(at).clock(clock).build();
    OAuthToken byId = OAuthToken.builder().id(id).build();
    URI users = URI.create(saved.apiDomain() + "/crm/v8/users?type=CurrentUser");

    // 3. an API call
    HttpResponse<String> r1 = manager.send(byId, HttpRequest.newBuilder(users).GET(), HttpResponse.BodyHandlers.ofString());
    step("API call GET /crm/v8/users?type=CurrentUser with the stored token: HTTP " + r1.statusCode()
        + ", current user " + email(r1.body()));
    expect(r1.statusCode() == 200, "the API call failed with HTTP " + r1.statusCode());

    // 4. expiry and an automatic refresh
    long refreshesBefore = zoho.refreshCalls();
    clock.advance(Duration.ofMinutes(61));
    HttpResponse<String> r2 = manager.send(byId, HttpRequest.newBuilder(users).GET(), HttpResponse.BodyHandlers.ofString());
    long refreshed = zoho.refreshCalls() - refreshesBefore;
    OAuthToken afterRefresh = store.findTokenById(id).orElseThrow();
    step("61 minutes later the access token has expired; the next API call refreshed it first:");
    detail("HTTP " + r2.statusCode() + ", " + refreshed + " refresh at the server");
    detail("new access token " + StoreSupport.secret(afterRefresh.accessToken(), false) + " saved in the store, "
        + "valid until " + afterRefresh.expiresAt());
    expect(r2.statusCode() == 200 && refreshed == 1, "the automatic refresh did not happen as expected");

    // 5. many concurrent callers at expiry share one refresh
    clock.advance(Duration.ofMinutes(61));
    refreshesBefore = zoho.refreshCalls();
    TokenManagerMetrics m0 = manager.metrics();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Set<String> handedOut = new HashSet<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        calls.add(pool.submit(() -> {
          go.await();
          return manager.accessToken(byId);
        }));
      }
      go.countDown();
      for (Future<String> f : calls) {
        handedOut.add(f.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    long shared = zoho.refreshCalls() - refreshesBefore;
    long joined = manager.metrics().joins() - m0.joins();
    step(threads + " concurrent callers asked for the token right after the next expiry:");
    detail("all got the same new access token (" + handedOut.size() + " distinct); the emulator saw " + shared
        + " refresh");
    detail(joined + " callers waited for the refresh in flight; the others found the new token already in memory");
    expect(shared == 1 && handedOut.size() == 1, "the concurrent callers did not share one refresh");

    // 6. revoke
    String lastAccess = handedOut.iterator().next();
    manager.revoke(byId);
    HttpResponse<String> r3 = HttpClient.newHttpClient().send(HttpRequest.newBuilder(users)
        .header("Authorization", "Zoho-oauthtoken " + lastAccess).GET().build(), HttpResponse.BodyHandlers.ofString());
    boolean gone = store.findTokenById(id).isEmpty();
    step("Revoked the token at the emulator, then deleted it from the store (record gone: " + gone + ")");
    detail("the old access token now gets HTTP " + r3.statusCode() + " from the API");
    expect(gone && r3.statusCode() == 401, "the revocation did not take effect");

    out.println();
    out.println("Summary");
    summary("authorize: loopback redirect, state and PKCE", "ok");
    summary("exchange and store in SQLite", "ok");
    summary("API call with the stored token", "ok");
    summary("automatic refresh after expiry", "ok (1 refresh)");
    summary(threads + " concurrent callers at expiry", "ok (" + shared + " shared refresh)");
    summary("revoke at the server, delete locally", "ok");
    out.println("  emulator counters: " + zoho.exchangeCalls() + " exchange, " + zoho.refreshCalls() + " refreshes, "
        + zoho.revokeCalls() + " revoke, " + zoho.userInfoCalls() + " API calls");
    out.flush();
  }

  private void summary(String what, String result) {
    out.println("  " + what + " " + ".".repeat(Math.max(2, 48 - what.length())) + " " + result);
  }

  private void step(String text) {
    step++;
    out.println("[" + step + "/" + STEPS + "] " + text);
    out.flush();
  }

  private void detail(String text) {
    out.println("      " + text);
    out.flush();
  }

  private static void expect(boolean ok, String what) {
    if (!ok) {
      throw new CliException("Demo failed: " + what + ".");
    }
  }

  private static @Nullable String email(String body) {
    try {
      JsonNode n = StoreSupport.json().readTree(body).path("users").path(0).path("email");
      return n.isTextual() ? n.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // a leftover temp file is harmless
        }
      });
    } catch (IOException | StoreException e) {
      // ignore
    }
  }
}
