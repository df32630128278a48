package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EncryptedValues;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, "the raw bytes contain no secret": tokens saved, updated and refreshed (a compare-and-set save)
 * through {@code EncryptedTokenStore} on each store, then the storage read WITHOUT the library ({@link RawStore}):
 * the CSV file's bytes (and its sidecars), the SQLite file's bytes and its rows read with plain JDBC, every row
 * of every table of the MariaDB and PostgreSQL database read with plain JDBC, every key of the store's prefix on
 * Redis read with plain commands (HGETALL, SMEMBERS, GET). No access, refresh or grant token and no client
 * secret, old or current, shows there, not even 8 characters in a row of one; the user names do (they stay in
 * clear, by design). Every stored secret field holds {@code tse1.} text made by the keyring's key.
 */
class EncryptedRawStorageTest {
  private static final int USERS = 6;
  private static final int WINDOW = 8;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "mariadb", "postgresql", "redis"})
  void noSecretInTheRawStorageAndTheUserNamesInClear(String kind) {
    Keyring keyring = Keyring.generate(Clock.systemUTC());
    Random random = new Random(kind.hashCode());
    List<String> secrets = new ArrayList<>();
    List<String> users = new ArrayList<>();
    try (RawStore raw = RawStore.create(kind, dir)) {
      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), KeyProviders.fixed(keyring))) {
        ConditionalSave cas = store.capability(ConditionalSave.class).orElseThrow();
        for (int i = 0; i < USERS; i++) {
          String user = "raw-user-" + i + "@example.com";
          users.add(user);
          OAuthToken t = OAuthToken.builder().userName(user).clientId("1000.RAWCLIENT")
              .clientSecret(secret("cs", random, secrets)).refreshToken(secret("1000.rt", random, secrets))
              .accessToken(secret("1000.at", random, secrets)).grantToken(secret("1000.gt", random, secrets))
              .expiresAt(Instant.ofEpochMilli(1_900_000_000_000L + i)).redirectUrl("https://app.example.com/cb")
              .apiDomain("https://www.zohoapis.com").build();
          OAuthToken saved = store.saveToken(t);
          // an update by id (a new access token), then a refresh's compare-and-set save (rotated tokens)
          OAuthToken updated = store.saveToken(OAuthToken.builder().id(saved.id())
              .accessToken(secret("1000.at2", random, secrets)).build());
          OAuthToken refreshed = cas.saveTokenIf(updated, OAuthToken.builder().id(saved.id())
              .accessToken(secret("1000.at3", random, secrets)).refreshToken(secret("1000.rt3", random, secrets))
              .expiresAt(Instant.ofEpochMilli(1_950_000_000_000L + i)).build()).orElseThrow();
          assertThat(store.findToken(OAuthToken.builder().refreshToken(refreshed.refreshToken()).build()))
              .contains(refreshed);
          assertThat(store.findToken(OAuthToken.builder().accessToken(refreshed.accessToken()).build()))
              .contains(refreshed);
          assertThat(store.findToken(OAuthToken.builder().grantToken(t.grantToken()).build())).contains(refreshed);
          assertThat(refreshed.clientSecret()).isEqualTo(t.clientSecret());
        }
        assertThat(store.getTokens()).hasSize(USERS);
      }

      String dump = raw.dump();
      assertThat(dump).as("the raw storage of " + kind).isNotBlank();
      for (String user : users) {
        assertThat(dump).as("user names stay in clear in the raw storage").contains(user);
      }
      for (String secret : secrets) {
        for (int i = 0; i + WINDOW <= secret.length(); i++) {
          String piece = secret.substring(i, i + WINDOW);
          if (dump.contains(piece)) {
            throw new AssertionError("The raw storage of " + kind + " holds " + WINDOW + " characters in a row of "
                + "a secret (at offset " + i + " of a secret of " + secret.length() + " characters).");
          }
        }
      }

      List<Map<String, @Nullable String>> records = raw.records();
      assertThat(records).hasSize(USERS);
      for (Map<String, @Nullable String> r : records) {
        for (String column : List.of("client_secret", "refresh_token", "access_token", "grant_token")) {
          String v = r.get(column);
          assertThat(v).as(column + " as stored").startsWith(EncryptedValues.PREFIX);
          byte[] ct = Base64.getUrlDecoder().decode(v.substring(EncryptedValues.PREFIX.length()));
          assertThat(keyIdOf(ct)).as("the key id in front of the " + column).isEqualTo(keyring.primaryKeyId());
        }
        assertThat(r.get("user_name")).startsWith("raw-user-");
        assertThat(r.get("client_id")).isEqualTo("1000.RAWCLIENT");
      }
    }
  }

  /** A new secret that carries the test-output scan's marker, remembered in {@code all}. */
  private static String secret(String kind, Random random, List<String> all) {
    // letters and digits, not hex: the raw storage holds hex digests (Redis index keys, MariaDB's ts_user_key)
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder s = new StringBuilder(kind).append("-SECRET-");
    for (int i = 0; i < 32; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    all.add(s.toString());
    return s.toString();
  }

  /** Tink's ciphertext prefix: version byte 1, then the 32-bit key id. */
  private static long keyIdOf(byte[] ct) {
    assertThat(ct.length).isGreaterThan(5);
    assertThat(ct[0]).isEqualTo((byte) 1);
    return ((ct[1] & 0xFFL) << 24) | ((ct[2] & 0xFFL) << 16) | ((ct[3] & 0xFFL) << 8) | (ct[4] & 0xFFL);
  }
}
