package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.T0;
import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static dev.tokenstore.oauth.EmulatorFixture.id;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.memory.MemoryTokenStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A token this manager has just refreshed replaces the one in memory even when that one claims a later expiry
 * (e.g. written by a tool with a wrong clock): memory must not keep handing out the token the refresh replaced.
 */
class FreshTokenWinsTest {
  @Test
  void aForcedRefreshReplacesALongerLivedTokenInMemory() {
    EmulatorFixture fx = new EmulatorFixture(b -> b);
    try (MemoryTokenStore store = MemoryTokenStore.create()) {
      OAuthToken first = fx.exchangeNew(fx.manager(store).build(), USER);
      store.saveToken(OAuthToken.builder().id(first.id()).expiresAt(T0.plus(Duration.ofDays(3650))).build());
      TokenManager m = fx.manager(store).build();
      assertThat(m.getToken(id(first.id())).accessToken()).isEqualTo(first.accessToken());

      OAuthToken refreshed = m.refresh(id(first.id()));

      assertThat(refreshed.accessToken()).isNotEqualTo(first.accessToken());
      assertThat(fx.zoho.isAccessTokenValid(refreshed.accessToken())).isTrue();
      assertThat(m.getToken(id(first.id())).accessToken()).as("handed out after the refresh")
          .isEqualTo(refreshed.accessToken());
      assertThat(store.findTokenById(first.id()).orElseThrow().accessToken()).isEqualTo(refreshed.accessToken());
    } finally {
      fx.zoho.close();
    }
  }
}
