package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance kit for stores that join cross-process refresh coordination: {@link RefreshCoordination}
 * (leases: one holder at a time, expiring by themselves, take-overs reported, fences growing, release only by
 * the holder) and {@link ConditionalSave} (compare-and-set saves). Extend it and implement {@link #openStore()}:
 * each call must return a new handle on the same storage (as another process would open it), empty at the first
 * call of a test. The capabilities are found through {@link TokenStore#capability(Class)}, so the kit also runs
 * on a decorated store (a {@link dev.tokenstore.spi.ForwardingTokenStore}) to prove the decorator keeps them.
 * Not thread-safe (one instance per test, as JUnit makes).
 */
public abstract class RefreshCoordinationContract {
  /** A fresh folder for each test, for stores that keep files. */
  @TempDir protected Path tempDir;

  private final List<TokenStore> opened = new ArrayList<>();
  private final String environment = "env-" + UUID.randomUUID();

  /** Opens a handle on the storage under test; it must offer both capabilities. */
  protected abstract TokenStore openStore() throws Exception;

  @AfterEach
  void closeStores() {
    opened.forEach(TokenStore::close);
  }

  private TokenStore open() throws Exception {
    TokenStore s = openStore();
    opened.add(s);
    assertThat(s.capability(RefreshCoordination.class)).as("capability(RefreshCoordination.class)").isPresent();
    assertThat(s.capability(ConditionalSave.class)).as("capability(ConditionalSave.class)").isPresent();
    return s;
  }

  /**
   * Whether the store's coordinator wakes a waiter in {@link RefreshCoordinator#awaitRelease} when the lease is
   * released (default false: it may return false at once, and the manager polls). Override to return true for a
   * store that notifies; the kit then requires the wake-up.
   */
  protected boolean wakesOnRelease() {
    return false;
  }

  private static RefreshCoordinator coordinator(TokenStore s) {
    return s.capability(RefreshCoordination.class).orElseThrow().refreshCoordinator();
  }

  private static ConditionalSave conditionalSave(TokenStore s) {
    return s.capability(ConditionalSave.class).orElseThrow();
  }

  private RefreshIdentity identity(String id) {
    return new RefreshIdentity(environment, id);
  }

  @Test
  void oneLeaseAtATimeAndFencesGrow() throws Exception {
    RefreshCoordinator a = coordinator(open());
    RefreshCoordinator b = coordinator(open());
    RefreshLease first = a.tryAcquire(identity("1"), Duration.ofSeconds(30)).orElseThrow();
    assertThat(first.isValid()).isTrue();
    assertThat(first.tookOver()).isFalse();
    assertThat(b.tryAcquire(identity("1"), Duration.ofSeconds(30))).as("held by another handle").isEmpty();
    assertThat(a.tryAcquire(identity("1"), Duration.ofSeconds(30))).as("held, also for the same handle").isEmpty();
    try (RefreshLease other = b.tryAcquire(identity("2"), Duration.ofSeconds(30)).orElseThrow()) {
      assertThat(other.isValid()).as("another token has its own lease").isTrue();
    }
    first.close();
    first.close(); // harmless
    assertThat(first.isValid()).isFalse();
    RefreshLease second = b.tryAcquire(identity("1"), Duration.ofSeconds(30)).orElseThrow();
    assertThat(second.fence()).isGreaterThan(first.fence());
    assertThat(second.tookOver()).as("the first was released, not taken over").isFalse();
    second.close();
  }

  @Test
  void aWaiterWakesWhenTheLeaseIsReleasedNotAfterItsLongestWait() throws Exception {
    RefreshCoordinator a = coordinator(open());
    RefreshCoordinator b = coordinator(open());
    RefreshLease held = a.tryAcquire(identity("w"), Duration.ofSeconds(120)).orElseThrow();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      // a waiter (another process) told to wait up to two minutes, far longer than the bounded get below
      Future<Boolean> waiter = pool.submit(() -> b.awaitRelease(identity("w"), Duration.ofSeconds(120)));
      Thread.sleep(300); // usually the waiter is waiting by now; if not, it must see the release when it starts
      held.close();
      boolean waited = waiter.get(30, TimeUnit.SECONDS); // throws TimeoutException if it slept on
      if (wakesOnRelease()) {
        assertThat(waited).as("awaitRelease waited for the release").isTrue();
      }
      assertThat(b.tryAcquire(identity("w"), Duration.ofSeconds(30))).as("released: granted again").isPresent();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWaiterWhoseReleaseNeverComesReturnsByTheLeaseExpiry() throws Exception {
    RefreshCoordinator a = coordinator(open());
    RefreshCoordinator b = coordinator(open());
    // the holder dies: no release, no notification; the waiter asks for up to ten minutes
    RefreshLease dead = a.tryAcquire(identity("x"), Duration.ofSeconds(2)).orElseThrow();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> waiter = pool.submit(() -> b.awaitRelease(identity("x"), Duration.ofMinutes(10)));
      waiter.get(60, TimeUnit.SECONDS); // by the lease's expiry (2 s), with room for a loaded machine
      Optional<RefreshLease> next = Optional.empty();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (next.isEmpty() && System.nanoTime() - deadline < 0) {
        next = b.tryAcquire(identity("x"), Duration.ofSeconds(30));
        Thread.sleep(next.isEmpty() ? 20 : 0);
      }
      assertThat(next).as("the expired lease is granted again").isPresent();
      assertThat(next.get().tookOver()).isTrue();
      next.get().close();
      dead.close();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void expiredLeaseIsTakenOverAndTheOldHolderCannotReleaseTheNewOne() throws Exception {
    RefreshCoordinator a = coordinator(open());
    RefreshCoordinator b = coordinator(open());
    RefreshLease dead = a.tryAcquire(identity("7"), Duration.ofMillis(300)).orElseThrow();
    Optional<RefreshLease> next = Optional.empty();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (next.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
      next = b.tryAcquire(identity("7"), Duration.ofSeconds(30));
    }
    RefreshLease taken = next.orElseThrow(() -> new AssertionError("the expired lease was never granted again"));
    assertThat(taken.tookOver()).isTrue();
    assertThat(taken.fence()).isGreaterThan(dead.fence());
    assertThat(dead.isValid()).isFalse();
    dead.close(); // a lapsed holder's release must not free the new holder's lease
    assertThat(a.tryAcquire(identity("7"), Duration.ofSeconds(30))).isEmpty();
    taken.close();
  }

  @Test
  void concurrentHandlesGetOneLease() throws Exception {
    int threads = 12;
    List<RefreshCoordinator> coordinators = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      coordinators.add(coordinator(open()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Optional<RefreshLease>>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        RefreshCoordinator c = coordinators.get(i % coordinators.size());
        results.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return c.tryAcquire(identity("9"), Duration.ofSeconds(30));
        }));
      }
      List<RefreshLease> granted = new ArrayList<>();
      for (Future<Optional<RefreshLease>> f : results) {
        f.get(60, TimeUnit.SECONDS).ifPresent(granted::add); // closed only after every attempt has ended
      }
      granted.forEach(RefreshLease::close);
      assertThat(granted).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void conditionalSaveComparesAccessAndRefreshToken() throws Exception {
    TokenStore s = open();
    OAuthToken stored = s.saveToken(OAuthToken.builder().userName("cas@example.com").clientId("1000.C")
        .clientSecret("s").refreshToken("r0").accessToken("a0").expiresAt(Instant.ofEpochMilli(1_000_000)).build());
    ConditionalSave cas = conditionalSave(open());
    OAuthToken update = OAuthToken.builder().id(idOf(stored)).accessToken("a1").refreshToken("r1")
        .expiresAt(Instant.ofEpochMilli(2_000_000)).build();
    OAuthToken saved = cas.saveTokenIf(stored, update).orElseThrow();
    assertThat(saved.accessToken()).isEqualTo("a1");
    assertThat(saved.refreshToken()).isEqualTo("r1");
    assertThat(saved.userName()).as("merged like saveToken").isEqualTo("cas@example.com");

    OAuthToken late = OAuthToken.builder().id(idOf(stored)).accessToken("a-late").refreshToken("r-late")
        .expiresAt(Instant.ofEpochMilli(3_000_000)).build();
    assertThat(cas.saveTokenIf(stored, late)).as("the record changed since it was read").isEmpty();
    OAuthToken now = s.findTokenById(idOf(stored)).orElseThrow();
    assertThat(now.accessToken()).isEqualTo("a1");
    assertThat(now.refreshToken()).as("a lost race never nulls or replaces the newer token").isEqualTo("r1");

    assertThat(cas.saveTokenIf(stored, late.toBuilder().id("987654").build())).as("no such record").isEmpty();
    assertThat(s.findTokenById("987654")).isEmpty();
  }

  @Test
  void conditionalSaveComparesTheClientSecretToo() throws Exception {
    TokenStore s = open();
    OAuthToken stored = s.saveToken(OAuthToken.builder().userName("cs@example.com").clientId("1000.C")
        .clientSecret("s0").refreshToken("r0").accessToken("a0").expiresAt(Instant.ofEpochMilli(1_000_000)).build());
    OAuthToken changed = s.saveToken(OAuthToken.builder().id(idOf(stored)).clientSecret("s1").build());
    ConditionalSave cas = conditionalSave(open());
    OAuthToken update = OAuthToken.builder().id(idOf(stored)).accessToken("a1").build();
    assertThat(cas.saveTokenIf(stored, update)).as("the client secret changed since it was read").isEmpty();
    assertThat(s.findTokenById(idOf(stored)).orElseThrow().accessToken()).isEqualTo("a0");
    assertThat(cas.saveTokenIf(changed, update)).hasValueSatisfying(t -> {
      assertThat(t.accessToken()).isEqualTo("a1");
      assertThat(t.clientSecret()).isEqualTo("s1");
    });
  }

  @Test
  void concurrentConditionalSavesHaveOneWinner() throws Exception {
    TokenStore s = open();
    OAuthToken stored = s.saveToken(OAuthToken.builder().userName("race@example.com").clientId("1000.C")
        .refreshToken("r0").accessToken("a0").build());
    int threads = 8;
    List<ConditionalSave> handles = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      handles.add(conditionalSave(open()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Optional<OAuthToken>>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        ConditionalSave h = handles.get(i % handles.size());
        OAuthToken update = OAuthToken.builder().id(idOf(stored)).accessToken("a" + (i + 1))
            .refreshToken("r" + (i + 1)).build();
        results.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return h.saveTokenIf(stored, update);
        }));
      }
      List<OAuthToken> winners = new ArrayList<>();
      for (Future<Optional<OAuthToken>> f : results) {
        f.get(60, TimeUnit.SECONDS).ifPresent(winners::add);
      }
      assertThat(winners).hasSize(1);
      OAuthToken now = s.findTokenById(idOf(stored)).orElseThrow();
      assertThat(now.accessToken()).isEqualTo(winners.get(0).accessToken());
      assertThat(now.refreshToken()).isEqualTo(winners.get(0).refreshToken());
    } finally {
      pool.shutdownNow();
    }
  }
}
