package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.ForwardingTokenStore;
import dev.tokenstore.spi.ReversingStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresher whose lease lapses while the server holds its call (a hold fault) never overwrites the newer token
 * that a second manager (another "process": its own store handle and memory) saved after taking the lease over:
 * with Zoho's non-rotating refresh tokens its compare-and-set save is refused and it hands out the stored token;
 * with rotation its late call is refused by the server and it hands out the stored token too. Neither ends in
 * REAUTHORIZATION_REQUIRED, and the stored record keeps the second manager's (valid) tokens.
 */
class LapsedLeaseTest {
  @TempDir Path dir;

  @Test
  void slowRefresherLosesTheCompareAndSetAndUsesTheNewerToken() throws Exception {
    run(false);
  }

  @Test
  void slowRefresherWithRotationGetsTheNewerTokenNotInvalidGrant() throws Exception {
    run(true);
  }

  @Test
  void throughATransformingDecoratorTheCompareAndSetStillHolds() throws Exception {
    run(false, ReversingStore::new);
  }

  /**
   * The failure mode the capability lookup prevents: a decorator that does not forward the store's capabilities
   * leaves the managers with the in-JVM coordinator and plain saves, so the slow refresher's late save overwrites
   * the newer token (in another process, it would not even have waited for the lease).
   */
  @Test
  void aDecoratorThatHidesTheCapabilitiesFallsBackToPlainSaves() throws Exception {
    scenario(false, OpaqueStore::new, (fx, a, b, fresh, late, stored) -> {
      assertThat(a.metrics().saveConflicts()).as("no compare-and-set: nothing refused").isZero();
      assertThat(stored.accessToken()).as("the late save overwrote the newer token")
          .isEqualTo(late.accessToken()).isNotEqualTo(fresh.accessToken());
    });
  }

  private void run(boolean rotate) throws Exception {
    run(rotate, s -> s);
  }

  private void run(boolean rotate, UnaryOperator<TokenStore> decorate) throws Exception {
    scenario(rotate, decorate, (fx, a, b, fresh, late, stored) -> {
      assertThat(b.metrics().leaseTakeovers()).isEqualTo(1);
      assertThat(late.accessToken()).as("the slow refresher hands out the newer stored token")
          .isEqualTo(fresh.accessToken());
      assertThat(stored.accessToken()).isEqualTo(fresh.accessToken());
      assertThat(stored.refreshToken()).isEqualTo(fresh.refreshToken());
      assertThat(fx.zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();
      assertThat(fx.zoho.isAccessTokenValid(stored.accessToken())).isTrue();
      assertThat(a.metrics().refreshFailures()).isZero();
      if (!rotate) {
        assertThat(a.metrics().saveConflicts()).as("its compare-and-set save was refused").isEqualTo(1);
        assertThat(fx.events).anyMatch(e -> e.type() == TokenEvent.Type.SAVE_CONFLICT);
      }
      assertThat(fx.count(TokenEvent.Type.LEASE_TAKEN_OVER)).as("b took the lapsed lease over").isEqualTo(1);
      assertThat(fx.count(TokenEvent.Type.REFRESH_FAILED)).isZero();
    });
  }

  private interface Outcome {
    void check(EmulatorFixture fx, TokenManager a, TokenManager b, OAuthToken fresh, OAuthToken late,
        OAuthToken stored) throws Exception;
  }

  /** Manager a's refresh is held by the server until its lease lapses and b refreshes; then {@code outcome}. */
  private void scenario(boolean rotate, UnaryOperator<TokenStore> decorate, Outcome outcome) throws Exception {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b.rotateRefreshTokens(rotate));
        TokenStore storeA = decorate.apply(TokenStores.open("file:" + dir.resolve("tokens.csv")));
        TokenStore storeB = decorate.apply(TokenStores.open("file:" + dir.resolve("tokens.csv")))) {
      // a's call is held until b is done (below): its request timeout must outlast b's take-over on a slow machine
      TokenManager a = fx.manager(storeA).leaseTime(Duration.ofMillis(200)).requestTimeout(Duration.ofSeconds(60))
          .build();
      // b waits for a's lease to lapse, which happens in real time: b polls in real time too
      TokenManager b = fx.manager(storeB).leaseTime(Duration.ofSeconds(30)).sleeper(Sleeper.SYSTEM).build();
      OAuthToken first = fx.exchangeNew(a, EmulatorFixture.USER);
      OAuthToken byId = EmulatorFixture.id(first.id());
      fx.clock.advance(Duration.ofHours(2)); // expired for both managers and for the emulator
      fx.zoho.resetCounters();
      // a's call is held by the server until b has saved its token: a fixed delay (it was 2 s) raced b's take-over
      // and refresh on a loaded machine, and a's reply could then come first
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      fx.zoho.faults().hold(arrived, release);
      CompletableFuture<OAuthToken> slow = CompletableFuture.supplyAsync(() -> a.getToken(byId));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).as("the slow refresh reached the emulator").isTrue();
      OAuthToken fresh;
      try {
        fresh = b.getToken(byId); // waits until a's 200 ms lease lapses, takes it over, refreshes
      } finally {
        release.countDown();
      }
      OAuthToken late = slow.get(60, TimeUnit.SECONDS);

      OAuthToken stored = storeB.findTokenById(first.id()).orElseThrow();
      outcome.check(fx, a, b, fresh, late, stored);
    }
  }

  /**
   * A decorator that answers capability lookups for itself only, as the default {@code capability} of a
   * decorator that implements {@link TokenStore} by hand does.
   */
  static final class OpaqueStore extends ForwardingTokenStore {
    OpaqueStore(TokenStore store) {
      super(store);
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
      return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }
  }
}
