package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyInfo;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, "rotation and rekey while three processes keep refreshing with rotation on": three child JVMs
 * ({@link CoordinationChild}, four threads each) open the store as
 * {@code EncryptedTokenStore.open(uri, KeyringFile.at(path))} and keep asking for one token against the accounts
 * emulator (refresh-token rotation on, two-second access tokens, so a refresh about every second). While the
 * emulator holds one child's refresh (the child has read the record with the old key and holds the refresh
 * lease), this JVM, on the same keyring file:
 * <ol>
 *   <li>rotates the keyring ({@code KeyringFile.update(k -> k.rotate(clock))});
 *   <li>re-encrypts every record ({@code rekey}: the record being refreshed and {@value #BYSTANDERS} others);
 *   <li>retires the old key ({@code retireKey});
 * </ol>
 * then lets the held refresh go on: its compare-and-set save finds the record re-encrypted under it, with the
 * same plain tokens, and must still succeed (a refused save would drop the rotated refresh token). The children
 * refresh on with the new key they read from the file.
 *
 * <p>Then: no child failed (every token handed out was valid; an {@code invalid_grant} would have failed a child),
 * every refresh token was used for at most one refresh and each refresh the emulator counted used one the
 * children were handed (one token-endpoint call per expiry), no refresh was lost (every refresh token handed out
 * but the stored one was refreshed exactly once, the stored one is valid and not yet used), refreshes went on
 * after the retirement, every record is encrypted with the new key only ({@code keyUsage()}), the keyring file
 * holds the new key only, and every record reads with it.
 */
class EncryptedRotationMultiProcessTest {
  private static final String CLIENT_ID = "1000.ROTATE";
  private static final String CLIENT_SECRET = "cs-SECRET-rotate";
  private static final String REDIRECT = "http://127.0.0.1/callback";
  private static final String USER = "rotate@example.com";
  private static final int PROCESSES = 3;
  private static final int THREADS = 4;
  private static final int BYSTANDERS = 40;
  /**
   * The window (at most half the lifetime) is how long a child thread may be stalled between being handed a token
   * and checking that it has not expired ({@link CoordinationChild}): 1 s of a 2 s token was too little on a
   * loaded machine.
   */
  private static final Duration TTL = Duration.ofSeconds(4);
  private static final long WINDOW_MS = 2000;
  /** Longer than the held refresh below takes, so that no other process takes the lease over meanwhile. */
  private static final long LEASE_MS = 30_000;
  /** The access tokens each child must see: the exchanged one and six refreshed ones, or seven refreshed. */
  private static final int DISTINCT = 7;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file", "postgresql", "redis"})
  void rotateRekeyAndRetireWhileThreeProcessesRefreshWithRotation(String kind) throws Exception {
    String uri = SharedStores.uri(kind, dir);
    Clock clock = Clock.systemUTC();
    Path keyringPath = dir.resolve("keys").resolve("tokens.keyring");
    KeyringFile keyFile = KeyringFile.create(keyringPath, Keyring.generate(clock));
    long oldKey = keyFile.keyring().primaryKeyId();

    try (AccountsEmulator zoho = AccountsEmulator.builder()
        .user(USER)
        .registerClient(CLIENT_ID, CLIENT_SECRET, REDIRECT)
        .accessTokenTtl(TTL)
        .accessTokensPerRefreshWindow(1000, Duration.ofMinutes(10))
        .rotateRefreshTokens(true)
        .tokenSuffix("-SECRET")
        .start();
        EncryptedTokenStore store = EncryptedTokenStore.open(uri, KeyringFile.at(keyringPath))) {
      // the first authorization, and other users' records for rekey to work through
      OAuthToken seeded = TokenManager.builder().store(store)
          .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain())).build()
          .getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).redirectUrl(REDIRECT)
              .grantToken(zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL")).build());
      String id = seeded.id();
      for (int i = 0; i < BYSTANDERS; i++) {
        store.saveToken(OAuthToken.builder().userName("bystander" + i + "@example.com").clientId(CLIENT_ID)
            .clientSecret(CLIENT_SECRET).refreshToken("1000.rt-SECRET-bystander" + i)
            .accessToken("1000.at-SECRET-bystander" + i).expiresAt(Instant.now().plusSeconds(3600)).build());
      }
      assertThat(store.keyUsage().recordsByKey()).containsExactly(Map.entry(oldKey, BYSTANDERS + 1));

      long newKey;
      long refreshesAtRetirement;
      EncryptedTokenStore.RekeyReport report;
      try (ChildJvms children = ChildJvms.start(CoordinationChild.class, PROCESSES, p -> List.of(
          zoho.baseUrl(), uri, CLIENT_ID, CLIENT_SECRET, id, String.valueOf(THREADS), String.valueOf(DISTINCT),
          String.valueOf(LEASE_MS), String.valueOf(WINDOW_MS), results(p).toString(), "60",
          CoordinationChild.KEYRING + keyringPath))) {
        children.startTogether(WAIT);
        children.waitUntil("the first refresh", WAIT, () -> zoho.refreshCalls() >= 1);

        // catch a child in the middle of a refresh: it has read the record (old key) and holds the lease
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        zoho.faults().hold(arrived, release);
        try {
          children.waitUntil("a refresh is held by the emulator", WAIT, () -> arrived.getCount() == 0);

          newKey = keyFile.update(k -> k.rotate(clock)).primaryKeyId();
          assertThat(newKey).isNotEqualTo(oldKey);

          AtomicInteger progress = new AtomicInteger();
          report = store.rekey(false, (done, total) -> progress.set(done));
          assertThat(report.failed()).as("records rekey could not re-encrypt").isEmpty();
          assertThat(report.records()).isEqualTo(BYSTANDERS + 1);
          assertThat(report.reencrypted()).as("every record, the one being refreshed included")
              .isEqualTo(BYSTANDERS + 1);
          assertThat(progress.get()).isEqualTo(BYSTANDERS + 1);

          Keyring retired = store.retireKey(oldKey, keyFile);
          assertThat(retired.keys()).extracting(KeyInfo::id).containsExactly(newKey);
          refreshesAtRetirement = zoho.refreshCalls();
        } finally {
          release.countDown(); // the held refresh completes; its save finds the record re-encrypted meanwhile
        }

        // from the retirement on, the record never uses the retired key (a write with a keyring read before the
        // rotation would put it there) and always reads with the new key alone
        int reads = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (children.children().stream().anyMatch(c -> c.process().isAlive())
            && System.nanoTime() - deadline < 0) {
          assertThat(store.keyUsage().recordsUsing(oldKey)).as("records using the retired key").isZero();
          assertThat(store.findTokenById(id)).isPresent();
          reads++;
          Thread.sleep(20);
        }
        assertThat(reads).as("reads while the children refreshed on").isPositive();
        children.joinAll(Duration.ofSeconds(30));
        for (ChildJvms.Child c : children.children()) {
          assertThat(c.output()).as(c.describe()).doesNotContain("FAIL").contains("DONE");
          // a refused compare-and-set would drop a rotated refresh token: the re-encryption must not cause one
          assertThat(c.lines()).as(c.describe()).doesNotContain("SAVE_CONFLICT");
        }
      }

      // one token-endpoint call per expiry, no invalid_grant, no refresh lost
      Set<String> refreshTokens = new HashSet<>();
      refreshTokens.add(seeded.refreshToken());
      for (int p = 0; p < PROCESSES; p++) {
        for (String line : Files.readAllLines(results(p))) {
          if (line.startsWith("R ")) {
            refreshTokens.add(line.substring(2));
          }
        }
      }
      long total = zoho.refreshCalls();
      OAuthToken last = store.findTokenById(id).orElseThrow();
      long byKnownTokens = 0;
      for (String rt : refreshTokens) {
        long n = zoho.refreshCalls(rt);
        if (rt.equals(last.refreshToken())) {
          assertThat(n).as("refreshes with the stored, newest refresh token").isZero();
        } else {
          assertThat(n).as("refreshes with a refresh token that was handed out and then replaced: exactly one "
              + "(none: a refresh was lost; more: invalid_grant)").isEqualTo(1);
        }
        byKnownTokens += n;
      }
      assertThat(byKnownTokens).as("every refresh the emulator counted used a token the children handed out")
          .isEqualTo(total);
      assertThat(total).as("refreshes (several expiries)").isGreaterThanOrEqualTo(DISTINCT - 1);
      assertThat(zoho.tokenCalls()).as("token-endpoint calls: the exchange and the refreshes, nothing else")
          .isEqualTo(1 + total);
      assertThat(total).as("refreshes went on after the old key was retired").isGreaterThan(refreshesAtRetirement);
      assertThat(refreshTokens).contains(last.refreshToken());
      assertThat(zoho.isRefreshTokenValid(last.refreshToken())).as("the stored refresh token is valid").isTrue();

      // every record under the new key only; the keyring holds the new key only, and it reads every record
      EncryptedTokenStore.KeyUsage usage = store.keyUsage();
      assertThat(usage.recordsByKey()).containsExactly(Map.entry(newKey, BYSTANDERS + 1));
      assertThat(usage.plaintextRecords()).isZero();
      assertThat(usage.records()).isEqualTo(BYSTANDERS + 1);
      assertThat(KeyringFile.at(keyringPath).keyring().keys()).extracting(KeyInfo::id).containsExactly(newKey);
      try (EncryptedTokenStore fresh = EncryptedTokenStore.open(uri, KeyringFile.at(keyringPath))) {
        List<OAuthToken> all = fresh.getTokens();
        assertThat(all).hasSize(BYSTANDERS + 1);
        assertThat(all).filteredOn(t -> id.equals(t.id())).singleElement()
            .satisfies(t -> assertThat(t.refreshToken()).isEqualTo(last.refreshToken()));
      }
    }
  }

  private Path results(int child) {
    return dir.resolve("results-" + child);
  }
}
