package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client secret rotated at the accounts server: the application's configuration has the new one, the stored
 * records still the old. The secret the caller gives is the one a refresh sends (configuration is the source of the
 * client's credentials), and once the server has taken it the record keeps it in place of the old, so callers that
 * give none (a query by id, the CLI) work too. A caller that gives no secret still uses the stored one; a record
 * kept without a secret stays without (the Spring starter's test holds that).
 */
class ClientSecretRotatedTest {
  @TempDir Path dir;

  @Test
  void aRefreshSendsTheCallersClientSecretAndTheRecordKeepsItOnceAccepted() {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b);
        TokenStore store = TokenStores.open("file:" + dir.resolve("tokens.csv"))) {
      TokenManager m = fx.manager(store).build();
      OAuthToken first = fx.exchangeNew(m, EmulatorFixture.USER);
      // the record as a store written before the rotation holds it
      store.saveToken(OAuthToken.builder().id(first.id()).clientSecret("secret-before-rotation").build());
      m.invalidate(first.id());
      fx.clock.advance(Duration.ofHours(2));
      fx.zoho.resetCounters();

      OAuthToken query = OAuthToken.builder().userName(EmulatorFixture.USER).clientId(EmulatorFixture.CLIENT_ID)
          .clientSecret(EmulatorFixture.CLIENT_SECRET).build();
      OAuthToken refreshed = m.getToken(query);

      assertThat(refreshed.accessToken()).isNotEqualTo(first.accessToken());
      assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
      assertThat(store.findTokenById(first.id()).orElseThrow().clientSecret())
          .as("the secret the server accepted is kept").isEqualTo(EmulatorFixture.CLIENT_SECRET);

      // a caller without a secret now refreshes with the kept one
      fx.clock.advance(Duration.ofHours(2));
      assertThat(m.getToken(EmulatorFixture.id(first.id())).accessToken()).isNotEqualTo(refreshed.accessToken());
      assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
    }
  }

  @Test
  void aCallerWithoutASecretUsesTheStoredOneAndAWrongStoredSecretIsNotOverwritten() {
    try (EmulatorFixture fx = new EmulatorFixture(b -> b);
        TokenStore store = TokenStores.open("file:" + dir.resolve("tokens.csv"))) {
      TokenManager m = fx.manager(store).build();
      OAuthToken first = fx.exchangeNew(m, EmulatorFixture.USER);
      store.saveToken(OAuthToken.builder().id(first.id()).clientSecret("secret-before-rotation").build());
      m.invalidate(first.id());
      fx.clock.advance(Duration.ofHours(2));

      assertThatThrownBy(() -> m.getToken(EmulatorFixture.user(EmulatorFixture.USER)))
          .isInstanceOf(TokenstoreException.class)
          .satisfies(e -> assertThat(((TokenstoreException) e).code()).isNotEqualTo(ErrorCode.TOKEN_NOT_FOUND))
          .hasMessageNotContaining("secret-before-rotation");
      assertThat(store.findTokenById(first.id()).orElseThrow().clientSecret()).isEqualTo("secret-before-rotation");
      assertThat(store.findTokenById(first.id()).orElseThrow().refreshToken()).isEqualTo(first.refreshToken());
    }
  }
}
