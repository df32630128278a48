package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.memory.MemoryTokenStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A manager builds its HTTP client only when it first calls a server: handing out a valid stored token (what a
 * command-line {@code access-token} does on most runs) builds none, and a refresh builds it then.
 */
class LazyHttpClientTest {
  @Test
  void handingOutAValidStoredTokenBuildsNoHttpClientAndARefreshBuildsOne() throws Exception {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b)) {
      MemoryTokenStore store = MemoryTokenStore.create();
      TokenManager first = fx.manager(store).build();
      OAuthToken saved = fx.exchangeNew(first, EmulatorFixture.USER);
      TokenManager manager = fx.manager(store).build();
      assertThat(manager.httpClientBuilt()).isFalse();
      assertThat(manager.accessToken(EmulatorFixture.user(EmulatorFixture.USER))).isEqualTo(saved.accessToken());
      assertThat(manager.httpClientBuilt()).as("a valid stored token needs no server").isFalse();
      assertThat(manager.withEnvironment(fx.environment()).httpClientBuilt()).isFalse();

      fx.clock.advance(Duration.ofHours(2)); // expired
      assertThat(manager.accessToken(EmulatorFixture.user(EmulatorFixture.USER))).isNotEqualTo(saved.accessToken());
      assertThat(manager.httpClientBuilt()).isTrue();
    }
  }
}
