package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compare-and-set save of a refresh compares the client secret too (where an encrypting store keeps its
 * seal). When only the client secret changed while the server held the refresh, the refresh is still saved, on
 * top of the record as it now is: a refresh result is dropped only when the tokens it replaces changed.
 */
class ClientSecretChangedMidRefreshTest {
  @TempDir Path dir;

  @Test
  void aRefreshIsSavedOnTopOfAClientSecretChangedMeanwhile() throws Exception {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b.rotateRefreshTokens(true));
        TokenStore storeA = TokenStores.open("file:" + dir.resolve("tokens.csv"));
        TokenStore storeB = TokenStores.open("file:" + dir.resolve("tokens.csv"))) {
      TokenManager a = fx.manager(storeA).build();
      OAuthToken first = fx.exchangeNew(a, EmulatorFixture.USER);
      fx.clock.advance(Duration.ofHours(2));
      fx.zoho.resetCounters();
      // The refresh is held in the server until the secret has changed: with a fixed delay (it was 1 s) a slow
      // machine could save the secret after the refresh, and the test would no longer be about "mid refresh".
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      fx.zoho.faults().hold(arrived, release);
      CompletableFuture<OAuthToken> refresh = CompletableFuture.supplyAsync(() -> a.getToken(EmulatorFixture.id(
          first.id())));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();
      try {
        storeB.saveToken(OAuthToken.builder().id(first.id()).clientSecret("a-new-client-secret").build());
      } finally {
        release.countDown();
      }
      OAuthToken refreshed = refresh.get(60, TimeUnit.SECONDS);

      OAuthToken stored = storeB.findTokenById(first.id()).orElseThrow();
      assertThat(stored.accessToken()).isEqualTo(refreshed.accessToken()).isNotEqualTo(first.accessToken());
      assertThat(stored.refreshToken()).as("the rotated refresh token is kept").isEqualTo(refreshed.refreshToken());
      assertThat(fx.zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();
      assertThat(stored.clientSecret()).isEqualTo("a-new-client-secret");
      assertThat(a.metrics().saveConflicts()).isZero();
    }
  }
}
