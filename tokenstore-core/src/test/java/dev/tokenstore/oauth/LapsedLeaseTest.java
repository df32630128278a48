package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresher whose lease lapses while the server holds its call (a delay fault) never overwrites the newer token
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

  private void run(boolean rotate) throws Exception {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b.rotateRefreshTokens(rotate));
        TokenStore storeA = TokenStores.open("file:" + dir.resolve("tokens.csv"));
        TokenStore storeB = TokenStores.open("file:" + dir.resolve("tokens.csv"))) {
      TokenManager a = fx.manager(storeA).leaseTime(Duration.ofMillis(200)).build();
      // b waits for a's lease to lapse, which happens in real time: b polls in real time too
      TokenManager b = fx.manager(storeB).leaseTime(Duration.ofSeconds(30)).sleeper(Sleeper.SYSTEM).build();
      OAuthToken first = fx.exchangeNew(a, EmulatorFixture.USER);
      OAuthToken byId = EmulatorFixture.id(first.id());
      fx.clock.advance(Duration.ofHours(2)); // expired for both managers and for the emulator
      fx.zoho.resetCounters();
      fx.zoho.faults().delay(Duration.ofSeconds(2));
      CompletableFuture<OAuthToken> slow = CompletableFuture.supplyAsync(() -> a.getToken(byId));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!(fx.zoho.refreshCalls() == 1 && fx.zoho.faults().pending() == 0)) {
        assertThat(System.nanoTime() - deadline).as("the slow refresh reached the emulator").isNegative();
        Thread.sleep(5);
      }
      OAuthToken fresh = b.getToken(byId); // waits until a's 200 ms lease lapses, takes it over, refreshes
      assertThat(b.metrics().leaseTakeovers()).isEqualTo(1);
      OAuthToken late = slow.get(20, TimeUnit.SECONDS);

      assertThat(late.accessToken()).as("the slow refresher hands out the newer stored token")
          .isEqualTo(fresh.accessToken());
      OAuthToken stored = storeB.findTokenById(first.id()).orElseThrow();
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
    }
  }
}
