package dev.tokenstore.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyProvidersTest {
  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();

  private static ErrorCode codeOf(Throwable t) {
    return ((TokenstoreException) t).code();
  }

  @Test
  void aPathOrFileUriIsAKeyringFile() {
    Path path = dir.resolve("k.keyring");
    Keyring k = KeyringFile.create(path, Keyring.generate(clock)).keyring();
    assertThat(KeyProviders.parse(path.toString(), Map.of()).keyring()).isEqualTo(k);
    assertThat(KeyProviders.parse("file:" + path, Map.of())).isInstanceOf(KeyringFile.class);
  }

  @Test
  void anEnvironmentVariableHoldsTheKeyringText() {
    Keyring k = Keyring.generate(clock);
    KeyProvider p = KeyProviders.parse("env:MY_KEYRING", Map.of("MY_KEYRING", k.toJson()));
    assertThat(p.keyring()).isEqualTo(k);
    assertThat(p.description()).isEqualTo("the environment variable MY_KEYRING");
    assertThatThrownBy(() -> KeyProviders.parse("env:MY_KEYRING", Map.of()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("MY_KEYRING");
  }

  @Test
  void aPkcs12KeystoreOfAesKeysIsAKeyringWhoseNewestEntryIsPrimary() throws Exception {
    Path p12 = dir.resolve("keys.p12");
    char[] pw = "changeit-123".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, pw);
    SecureRandom random = new SecureRandom();
    for (String alias : new String[] {"tokenstore-1", "tokenstore-2"}) {
      byte[] key = new byte[32];
      random.nextBytes(key);
      ks.setEntry(alias, new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")),
          new KeyStore.PasswordProtection(pw));
    }
    try (OutputStream out = Files.newOutputStream(p12)) {
      ks.store(out, pw);
    }
    Map<String, String> env = Map.of(KeyProviders.KEYSTORE_PASSWORD_VARIABLE, new String(pw));
    Keyring k = KeyProviders.parse("pkcs12:" + p12, env).keyring();
    assertThat(k.keys()).extracting(KeyInfo::id).containsExactlyInAnyOrder(1L, 2L);
    assertThat(k.primaryKeyId()).isEqualTo(2L);
    byte[] ct = k.encrypt(new byte[] {1, 2, 3}, new byte[0]);
    assertThat(KeyProviders.parse("pkcs12:" + p12, env).keyring().decrypt(ct, new byte[0]))
        .as("the same keystore gives the same keys").containsExactly(1, 2, 3);

    assertThatThrownBy(() -> KeyProviders.parse("pkcs12:" + p12,
        Map.of(KeyProviders.KEYSTORE_PASSWORD_VARIABLE, "wrong")).keyring())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining(p12.toString());
    assertThatThrownBy(() -> KeyProviders.parse("pkcs12:" + p12, Map.of()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining(KeyProviders.KEYSTORE_PASSWORD_VARIABLE);
  }
}
