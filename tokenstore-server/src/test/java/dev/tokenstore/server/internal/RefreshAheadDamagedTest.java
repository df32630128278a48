package dev.tokenstore.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.RetryPolicy;
import dev.tokenstore.oauth.TokenManager;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refresh ahead over a real encrypted SQLite store one of whose records was damaged on disk: the other records due
 * are still asked for (one damaged record used to stop every refresh ahead, each pass failing to read the store).
 */
class RefreshAheadDamagedTest {
  @TempDir Path dir;

  @Test
  void aDamagedRecordDoesNotStopTheRefreshOfTheOthers() throws Exception {
    Path db = dir.resolve("tokens.db");
    KeyringFile keys = KeyringFile.create(dir.resolve("keys").resolve("tokens.keyring"),
        Keyring.generate(Clock.systemUTC()));
    try (EncryptedTokenStore store = EncryptedTokenStore.open("sqlite:" + db, keys)) {
      for (String user : new String[] {"ann@example.com", "bob@example.com", "carl@example.com"}) {
        store.saveToken(OAuthToken.builder().userName(user).clientId("1000.AHEAD").clientSecret("cs-SECRET")
            .refreshToken("1000.rt-SECRET-" + user).accessToken("1000.at-SECRET-" + user)
            .expiresAt(Instant.now().plus(Duration.ofMinutes(1))).apiDomain("https://www.zohoapis.com").build());
      }
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        assertThat(st.executeUpdate("UPDATE oauthtoken SET access_token = substr(access_token, 1, "
            + "length(access_token) - 1) || CASE WHEN substr(access_token, -1) = 'A' THEN 'B' ELSE 'A' END "
            + "WHERE id = '2'")).isEqualTo(1);
      }
      // an accounts server that refuses connections: each refresh fails, after it was asked for
      Environment env = Environment.zohoAccounts("http://127.0.0.1:9", "https://www.zohoapis.com");
      Managers managers = new Managers(store, t -> env, e -> TokenManager.builder().store(store).environment(e)
          .retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 0)).build());
      try (RefreshAhead ahead = new RefreshAhead(store, managers, Clock.systemUTC(), Duration.ofHours(1),
          Duration.ofMinutes(5))) {
        assertThat(ahead.runOnce()).isEqualTo(2); // ann's and carl's
      }
    }
  }
}
