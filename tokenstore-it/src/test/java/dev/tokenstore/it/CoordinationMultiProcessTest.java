package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
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
  /**
   * A child fails when a token it was handed has expired by the time it looks at the clock, and the manager hands
   * out tokens with at least the window left: the window is how long a child thread may be stalled between the two
   * (it was 1 s of a 3 s token, too little on a loaded machine).
   */
  private static final Duration TTL = Duration.ofSeconds(6);
  private static final long WINDOW_MS = 3000;
  /**
   * Longer than any healthy refresh takes on a loaded machine: a lease that lapsed during one (it was 2 s) let a
   * second process refresh the same expiry with the same refresh token, and made the killed-holder case race the
   * kill against the take-over. Only the killed holder's lease lapses, 20 s after it was taken.
   */
  private static final long LEASE_MS = 20_000;
  /**
   * The lease in the killed-holder case, where the survivors wait for it to lapse (each run of the case lasts about
   * this long): long enough for the take-over's own refresh on a loaded machine (a lapse during it would make a
   * third call), short enough that five store kinds, run twice in CI, do not cost minutes.
   */
  private static final long KILLED_HOLDER_LEASE_MS = 8_000;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** How the children wrap the store ({@link CoordinationChild#DECORATOR}): none, forwarding or opaque. */
  private String decorator = "none";

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file", "mariadb", "postgresql", "redis"})
  void oneRefreshPerExpiryWithRotation(String kind) throws Exception {
    String uri = SharedStores.uri(kind, dir);
    try (AccountsEmulator zoho = emulator(true)) {
      OAuthToken seeded = seed(zoho, uri);
      String id = seeded.id();
      int distinct = 4; // the exchanged token and three refreshed ones (three expiries), or four refreshed ones
      try (ChildJvms children = start(zoho, uri, id, distinct, 60)) {
        children.startTogether(WAIT);
        children.joinAll(Duration.ofSeconds(90));
        for (ChildJvms.Child c : children.children()) {
          assertThat(c.output()).doesNotContain("FAIL").contains("DONE");
        }
      }
      // The exchanged token's refresh token is known too: the first refresh uses it, and no child may have been
      // handed that token (on a loaded machine the children start after it is due already). Missing from this set,
      // that one refresh counted as made with an unknown token (the test failed so under load).
      Set<String> refreshTokens = new HashSet<>();
      refreshTokens.add(seeded.refreshToken());
      Set<String> accessTokens = new HashSet<>();
      for (int p = 0; p < PROCESSES; p++) {
        for (String line : Files.readAllLines(results(p))) {
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
      String id = seedDue(zoho, uri);
      // the first refresh is held until the emulator closes (a 10 s delay could end before a slow machine had
      // started the other processes' refreshes, which would then find the new token)
      zoho.faults().hold(new CountDownLatch(1));
      try (ChildJvms children = start(zoho, uri, id, 1, 60)) {
        children.startTogether(WAIT);
        children.waitUntil("a second process refreshes the same expiry", WAIT,
            () -> children.children().stream().filter(c -> c.saw("STARTED")).count() >= 2);
        // STARTED is printed before the request leaves; wait for the server to see both calls
        children.waitUntil("the server sees two refresh calls for one expiry", WAIT, () -> zoho.refreshCalls() >= 2);
        assertThat(zoho.refreshCalls()).as("refresh calls for one expiry").isGreaterThanOrEqualTo(2);
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
      String id = seedDue(zoho, uri);
      zoho.faults().delay(Duration.ofSeconds(120)); // the first refresh hangs until the emulator closes
      try (ChildJvms children = start(zoho, uri, id, 1, 90, KILLED_HOLDER_LEASE_MS)) {
        children.startTogether(WAIT);
        children.waitUntil("the emulator holds the first refresh", WAIT,
            () -> zoho.refreshCalls() == 1 && zoho.faults().pending() == 0);
        children.waitUntil("the holder reported its refresh", WAIT,
            () -> children.children().stream().anyMatch(c -> c.saw("STARTED")));
        List<ChildJvms.Child> holders = children.children().stream().filter(c -> c.saw("STARTED")).toList();
        assertThat(holders).as("exactly one process calls the server").hasSize(1);
        ChildJvms.Child holder = holders.get(0);
        holder.kill();
        assertThat(holder.process().isAlive()).as("the killed holder is gone").isFalse();
        for (ChildJvms.Child c : children.children()) {
          if (c == holder) {
            continue;
          }
          c.join(Duration.ofSeconds(60)); // the survivor ended with exit code 0
          assertThat(c.output()).doesNotContain("FAIL");
        }
        assertThat(children.children().stream().filter(c -> c != holder && c.saw("TAKEOVER")).count())
            .as("one survivor took the lease over").isEqualTo(1);
        assertThat(zoho.refreshCalls()).as("the killed refresh and exactly one take-over refresh").isEqualTo(2);
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

  /** Exchanges a code and stores the token (as an application's first authorization would); returns it. */
  private static OAuthToken seed(AccountsEmulator zoho, String uri) {
    try (TokenStore store = TokenStores.open(uri)) {
      TokenManager m = TokenManager.builder().store(store)
          .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain())).build();
      OAuthToken t = m.getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
          .redirectUrl(REDIRECT)
          .grantToken(zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL")).build());
      return t;
    }
  }

  /** {@link #seed} a token, make it due for refresh now, and reset the emulator's counters. */
  private static String seedDue(AccountsEmulator zoho, String uri) {
    String id = seed(zoho, uri).id();
    try (TokenStore store = TokenStores.open(uri)) {
      OAuthToken t = store.findTokenById(id).orElseThrow();
      store.saveToken(t.toBuilder().expiresAt(Instant.now().minusSeconds(1)).build());
    }
    zoho.resetCounters();
    return id;
  }

  private Path results(int child) {
    return dir.resolve("results-" + child);
  }

  /** Starts the children (not yet told to go); each writes the tokens it saw to {@link #results}. */
  private ChildJvms start(AccountsEmulator zoho, String uri, String id, int distinct, int deadlineSeconds) {
    return start(zoho, uri, id, distinct, deadlineSeconds, LEASE_MS);
  }

  private ChildJvms start(AccountsEmulator zoho, String uri, String id, int distinct, int deadlineSeconds,
      long leaseMs) {
    return ChildJvms.start(CoordinationChild.class, PROCESSES, p -> List.of(
        zoho.baseUrl(), uri, CLIENT_ID, CLIENT_SECRET, id, String.valueOf(THREADS), String.valueOf(distinct),
        String.valueOf(leaseMs), String.valueOf(WINDOW_MS), results(p).toString(), String.valueOf(deadlineSeconds),
        decorator));
  }
}
