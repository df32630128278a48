package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cross-process harness of refresh coordination: for each shared store, three child JVMs
 * ({@link CoordinationChild}) of eight threads each share one stored token against the accounts emulator running
 * in this JVM with a real three-second access token lifetime.
 *
 * <ul>
 *   <li>{@link #oneRefreshPerExpiryWithRotation}: rotating refresh tokens, several expiries. Every refresh token
 *       the emulator issued is used for a refresh at most once (its per-token counter), all refreshes the
 *       emulator counted used those tokens, every caller got a valid token, no {@code invalid_grant}, and the
 *       stored record ends with a valid refresh token.
 *   <li>{@link #leaseHolderKilledMidRefresh}: the emulator holds the first refresh with a delay fault; the
 *       harness kills the process that sent it ({@code destroyForcibly}) once the emulator has counted it and
 *       that process reported it, and the others take the lease over after the lease time and finish.
 * </ul>
 * All waits are bounded; every child is killed at the end.
 */
class CoordinationMultiProcessTest {
  private static final String CLIENT_ID = "1000.COORD";
  private static final String CLIENT_SECRET = "coord-secret";
  private static final String REDIRECT = "http://127.0.0.1/callback";
  private static final String USER = "coord@example.com";
  private static final int PROCESSES = 3;
  private static final int THREADS = 8;
  private static final Duration TTL = Duration.ofSeconds(3);
  private static final long WINDOW_MS = 1000;
  private static final long LEASE_MS = 2000;

  @TempDir Path dir;

  /** How the children wrap the store ({@link CoordinationChild#DECORATOR}): none, forwarding or opaque. */
  private String decorator = "none";

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file", "mariadb", "postgresql", "redis"})
  void oneRefreshPerExpiryWithRotation(String kind) throws Exception {
    String uri = SharedStores.uri(kind, dir);
    try (AccountsEmulator zoho = emulator(true)) {
      String id = seed(zoho, uri);
      int distinct = 4; // the exchanged token and three refreshed ones: three expiries
      List<Child> children = start(zoho, uri, id, distinct, 60);
      try {
        go();
        for (Child c : children) {
          assertThat(c.process.waitFor(90, TimeUnit.SECONDS)).as("child %s ended; output:%n%s", c.name, c.output())
              .isTrue();
          assertThat(c.process.exitValue()).as("child %s exit code; output:%n%s", c.name, c.output()).isZero();
          assertThat(c.output()).doesNotContain("FAIL").contains("DONE");
        }
      } finally {
        kill(children);
      }
      Set<String> refreshTokens = new HashSet<>();
      Set<String> accessTokens = new HashSet<>();
      for (Child c : children) {
        for (String line : Files.readAllLines(c.results)) {
          (line.startsWith("R ") ? refreshTokens : accessTokens).add(line.substring(2));
        }
      }
      long total = zoho.refreshCalls();
      long byKnownTokens = 0;
      for (String rt : refreshTokens) {
        long n = zoho.refreshCalls(rt);
        assertThat(n).as("refreshes with one refresh token (one per expiry)").isLessThanOrEqualTo(1);
        byKnownTokens += n;
      }
      assertThat(total).as("refresh calls (several expiries)").isGreaterThanOrEqualTo(distinct - 1);
      assertThat(byKnownTokens).as("every refresh the emulator counted used a token the children handed out")
          .isEqualTo(total);
      assertThat(accessTokens).hasSizeGreaterThanOrEqualTo(distinct);
      try (TokenStore store = TokenStores.open(uri)) {
        OAuthToken last = store.findTokenById(id).orElseThrow();
        assertThat(last.refreshToken()).isNotNull();
        assertThat(zoho.isRefreshTokenValid(last.refreshToken())).as("the stored refresh token is still valid")
            .isTrue();
        assertThat(refreshTokens).contains(last.refreshToken());
      }
    }
  }

  /** The same through a decorator built on {@code ForwardingTokenStore}: the capabilities survive it. */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file", "mariadb", "postgresql", "redis"})
  void oneRefreshPerExpiryThroughADecorator(String kind) throws Exception {
    decorator = "forwarding";
    oneRefreshPerExpiryWithRotation(kind);
  }

  /**
   * The failure mode: a decorator that hides the store's capabilities leaves each process with its own in-JVM
   * coordinator (and plain saves), so while one process's refresh is held by the server, the others refresh the
   * same expiry too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite"})
  void aDecoratorThatHidesTheCapabilitiesRefreshesOncePerProcess(String kind) throws Exception {
    decorator = "opaque";
    String uri = SharedStores.uri(kind, dir);
    try (AccountsEmulator zoho = emulator(false)) {
      String id = seed(zoho, uri);
      try (TokenStore store = TokenStores.open(uri)) {
        OAuthToken t = store.findTokenById(id).orElseThrow();
        store.saveToken(t.toBuilder().expiresAt(Instant.now().minusSeconds(1)).build()); // due for refresh now
      }
      zoho.resetCounters();
      zoho.faults().delay(Duration.ofSeconds(10)); // the first refresh is held
      List<Child> children = start(zoho, uri, id, 1, 60);
      try {
        go();
        waitFor("a second process refreshes the same expiry",
            () -> children.stream().filter(c -> c.saw("STARTED")).count() >= 2, children);
        assertThat(zoho.refreshCalls()).as("refresh calls for one expiry").isGreaterThanOrEqualTo(2);
      } finally {
        kill(children);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file", "mariadb", "postgresql", "redis"})
  void leaseHolderKilledMidRefresh(String kind) throws Exception {
    String uri = SharedStores.uri(kind, dir);
    // Zoho's mode (no rotation): the killed holder's call still completes on the server, and with rotation the
    // refresh token it used would be gone with the reply nobody received; no client could recover from that.
    try (AccountsEmulator zoho = emulator(false)) {
      String id = seed(zoho, uri);
      try (TokenStore store = TokenStores.open(uri)) {
        OAuthToken t = store.findTokenById(id).orElseThrow();
        store.saveToken(t.toBuilder().expiresAt(Instant.now().minusSeconds(1)).build()); // due for refresh now
      }
      zoho.resetCounters();
      zoho.faults().delay(Duration.ofSeconds(120)); // the first refresh hangs until the emulator closes
      List<Child> children = start(zoho, uri, id, 1, 90);
      try {
        go();
        waitFor("the emulator holds the first refresh",
            () -> zoho.refreshCalls() == 1 && zoho.faults().pending() == 0, children);
        waitFor("the holder reported its refresh", () -> children.stream().anyMatch(c -> c.saw("STARTED")), children);
        List<Child> holders = children.stream().filter(c -> c.saw("STARTED")).toList();
        assertThat(holders).as("exactly one process calls the server").hasSize(1);
        Child holder = holders.get(0);
        holder.process.destroyForcibly();
        assertThat(holder.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        for (Child c : children) {
          if (c == holder) {
            continue;
          }
          assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).as("survivor %s ended; output:%n%s", c.name,
              c.output()).isTrue();
          assertThat(c.process.exitValue()).as("survivor %s exit code; output:%n%s", c.name, c.output()).isZero();
          assertThat(c.output()).doesNotContain("FAIL");
        }
        assertThat(children.stream().filter(c -> c != holder && c.saw("TAKEOVER")).count())
            .as("one survivor took the lease over").isEqualTo(1);
        assertThat(zoho.refreshCalls()).as("the killed refresh and exactly one take-over refresh").isEqualTo(2);
      } finally {
        kill(children);
      }
      try (TokenStore store = TokenStores.open(uri)) {
        OAuthToken last = store.findTokenById(id).orElseThrow();
        assertThat(zoho.isRefreshTokenValid(last.refreshToken())).as("the stored refresh token is valid").isTrue();
        assertThat(last.expiresAt()).as("the stored token is the take-over's").isAfter(Instant.now().minusSeconds(60));
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static AccountsEmulator emulator(boolean rotate) {
    return AccountsEmulator.builder()
        .user(USER)
        .registerClient(CLIENT_ID, CLIENT_SECRET, REDIRECT)
        .accessTokenTtl(TTL)
        .accessTokensPerRefreshWindow(1000, Duration.ofMinutes(10))
        .rotateRefreshTokens(rotate)
        .start();
  }

  /** Exchanges a code and stores the token (as an application's first authorization would); returns its id. */
  private static String seed(AccountsEmulator zoho, String uri) {
    try (TokenStore store = TokenStores.open(uri)) {
      TokenManager m = TokenManager.builder().store(store)
          .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain())).build();
      OAuthToken t = m.getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
          .redirectUrl(REDIRECT)
          .grantToken(zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL")).build());
      return t.id();
    }
  }

  private Path goFile() {
    return dir.resolve("go");
  }

  private void go() throws IOException {
    Files.createFile(goFile());
  }

  private List<Child> start(AccountsEmulator zoho, String uri, String id, int distinct, int deadlineSeconds)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Child> children = new ArrayList<>();
    try {
      for (int p = 0; p < PROCESSES; p++) {
        Path results = dir.resolve("results-" + p);
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-D" + CoordinationChild.DECORATOR + "=" + decorator,
            "-cp", System.getProperty("java.class.path"), CoordinationChild.class.getName(),
            zoho.baseUrl(), uri, CLIENT_ID, CLIENT_SECRET, id, String.valueOf(THREADS), String.valueOf(distinct),
            String.valueOf(LEASE_MS), String.valueOf(WINDOW_MS), results.toString(), goFile().toString(),
            String.valueOf(deadlineSeconds));
        pb.redirectErrorStream(true);
        children.add(new Child("p" + p, pb.start(), results));
      }
      waitFor("every child is ready", () -> children.stream().allMatch(c -> c.saw("ready")), children);
      return children;
    } catch (Exception | Error e) {
      kill(children);
      throw e;
    }
  }

  private static void waitFor(String what, BooleanSupplier condition, List<Child> children)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        StringBuilder sb = new StringBuilder();
        children.forEach(c -> sb.append(c.name).append(":\n").append(c.output()).append('\n'));
        throw new AssertionError("Timed out waiting until " + what + ". Children's output:\n" + sb);
      }
      Thread.sleep(10);
    }
  }

  private static void kill(List<Child> children) throws InterruptedException {
    for (Child c : children) {
      if (c.process.isAlive()) {
        c.process.destroyForcibly();
        c.process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A child JVM and the lines it printed (read by a daemon thread). */
  private static final class Child {
    final String name;
    final Process process;
    final Path results;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Thread reader;

    Child(String name, Process process, Path results) {
      this.name = name;
      this.process = process;
      this.results = results;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process ended
        }
      }, "child-output-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    boolean saw(String line) {
      return lines.contains(line);
    }

    String output() {
      if (!process.isAlive()) {
        try {
          reader.join(5000); // the last lines of an ended process
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return String.join("\n", lines);
    }
  }
}
