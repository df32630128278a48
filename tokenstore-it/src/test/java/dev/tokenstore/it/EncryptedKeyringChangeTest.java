package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A keyring file rotated while a process runs: a process that opened the store before the rotation (and has not
 * written since) still finds, by access, refresh and grant token, the records that another process re-encrypted
 * ({@code rekey}) or wrote with the new key, as it finds them by id or user name. (Issue 11: "a new primary key is
 * used for new writes while every key in the ring still reads".) Two stores on the same storage, each with its own
 * {@link KeyringFile} on the same path, stand for two processes.
 */
class EncryptedKeyringChangeTest {
  @TempDir Path dir;

  private static OAuthToken token(String user) {
    String u = user.substring(0, user.indexOf('@'));
    return OAuthToken.builder().userName(user).clientId("1000.KEYS").clientSecret("cs-SECRET-" + u)
        .refreshToken("1000.rt-SECRET-" + u).accessToken("1000.at-SECRET-" + u).grantToken("1000.gt-SECRET-" + u)
        .expiresAt(Instant.ofEpochMilli(1_900_000_000_000L)).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "redis"})
  void aProcessStartedBeforeARotationFindsRecordsByTokenUnderTheNewKey(String kind) {
    Path keyring = dir.resolve("tokens.keyring");
    KeyringFile file = KeyringFile.create(keyring, Keyring.generate(Clock.systemUTC()));
    try (RawStore raw = RawStore.create(kind, dir);
        EncryptedTokenStore running = EncryptedTokenStore.open(raw.uri(), KeyringFile.at(keyring))) {
      OAuthToken alice = running.saveToken(token("alice@example.com"));

      OAuthToken bob;
      file.update(k -> k.rotate(Clock.systemUTC())); // tokenstore keys rotate
      try (EncryptedTokenStore other = EncryptedTokenStore.open(raw.uri(), KeyringFile.at(keyring))) {
        assertThat(other.rekey(false, (done, total) -> {}).reencrypted()).isEqualTo(1); // tokenstore rekey
        bob = other.saveToken(token("bob@example.com")); // another process's new record, under the new key
      }

      // lookups by token first: a read by id or user name would make the running store read the file again
      // (it meets a key id it lacks), which a process that looks tokens up only by token never does
      assertThat(running.findToken(OAuthToken.builder().refreshToken(alice.refreshToken()).build()))
          .as("re-encrypted record found by refresh token").contains(alice);
      assertThat(running.findToken(OAuthToken.builder().accessToken(bob.accessToken()).build()))
          .as("new record found by access token").contains(bob);
      assertThat(running.findToken(OAuthToken.builder().grantToken(alice.grantToken()).build()))
          .as("re-encrypted record found by grant token").contains(alice);
      // a save by token updates the record instead of making a second one with the same refresh token
      OAuthToken updated = running.saveToken(OAuthToken.builder().clientId("1000.KEYS")
          .refreshToken(bob.refreshToken()).expiresAt(Instant.ofEpochMilli(1_950_000_000_000L)).build());
      assertThat(updated.id()).isEqualTo(bob.id());
      assertThat(running.getTokens()).hasSize(2);
      for (OAuthToken t : new OAuthToken[] {alice, bob}) {
        assertThat(running.findTokenById(t.id()).map(OAuthToken::refreshToken)).contains(t.refreshToken());
        assertThat(running.findToken(OAuthToken.builder().accessToken(t.accessToken()).build())).isPresent();
      }
    }
  }
}
