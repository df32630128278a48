package dev.tokenstore.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyringTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-12-06T05:00:00Z"), ZoneOffset.UTC);

  private static ErrorCode codeOf(Throwable t) {
    return ((TokenstoreException) t).code();
  }

  @Test
  void textRoundTripKeepsKeysPrimaryAndCreationTimesAndToStringShowsNoKeyMaterial() throws Exception {
    Keyring k = Keyring.generate(clock).rotate(clock);
    Keyring back = Keyring.fromJson(k.toJson(), "test");
    assertThat(back).isEqualTo(k);
    assertThat(back.keys()).isEqualTo(k.keys());
    assertThat(back.keys()).hasSize(2).first().satisfies(first -> {
      assertThat(first.primary()).isTrue();
      assertThat(first.created()).isEqualTo(clock.instant());
    });
    byte[] ct = k.encrypt("secret".getBytes(UTF_8), new byte[0]);
    assertThat(new String(back.decrypt(ct, new byte[0]), UTF_8)).isEqualTo("secret");
    assertThat(Keyring.keyIdOf(ct)).isEqualTo(k.primaryKeyId());
    assertThat(k.toString()).contains(Long.toString(k.primaryKeyId())).doesNotContain("value").hasSizeLessThan(80);
  }

  @Test
  void rotationKeepsOldKeysForReadingAndTheSameInputEncryptsTheSameUnderOneKey() throws Exception {
    Keyring one = Keyring.generate(clock);
    byte[] old = one.encrypt("t".getBytes(UTF_8), "ad".getBytes(UTF_8));
    assertThat(one.encrypt("t".getBytes(UTF_8), "ad".getBytes(UTF_8))).isEqualTo(old);
    Keyring two = one.rotate(clock);
    assertThat(two.primaryKeyId()).isNotEqualTo(one.primaryKeyId());
    assertThat(two.decrypt(old, "ad".getBytes(UTF_8))).isEqualTo("t".getBytes(UTF_8));
    assertThat(two.encryptWithEachKey("t".getBytes(UTF_8), "ad".getBytes(UTF_8))).hasSize(2)
        .satisfies(forms -> assertThat(forms.get(1)).isEqualTo(old));
    assertThatThrownBy(() -> two.decrypt(old, "other".getBytes(UTF_8)))
        .isInstanceOf(java.security.GeneralSecurityException.class);
  }

  @Test
  void thePrimaryKeyCannotBeRemovedAndAnUnknownIdIsNamed() {
    Keyring two = Keyring.generate(clock).rotate(clock);
    assertThatThrownBy(() -> two.withoutKey(two.primaryKeyId()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEY_IN_USE));
    assertThatThrownBy(() -> two.withoutKey(12345))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("12345");
    long other = two.keys().get(1).id();
    assertThat(two.withoutKey(other).keys()).extracting(KeyInfo::id).containsExactly(two.primaryKeyId());
  }

  @Test
  void malformedOrForeignTextIsAKeyringErrorThatShowsNoKeyMaterial() {
    String good = Keyring.generate(clock).toJson();
    for (String bad : new String[] {"", "[]", "{", "{\"format\":\"other\",\"keyset\":\"{}\"}",
        "{\"format\":\"tokenstore-keyring\"}", "{\"format\":\"tokenstore-keyring\",\"keyset\":\"not json\"}",
        good.replace("AesSivKey", "AesGcmKey"), good.substring(0, good.length() / 2)}) {
      assertThatThrownBy(() -> Keyring.fromJson(bad, "the test keyring")).as(bad)
          .isInstanceOf(TokenstoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
          .hasMessageContaining("the test keyring")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\"value\""));
    }
  }

  /** A keyring wrapped by a key-encryption key (what a KMS provider does), with a real Tink AEAD as the KEK. */
  @Test
  void aWrappedKeyringReadsOnlyWithItsKeyEncryptionKey() throws Exception {
    AeadConfig.register();
    Aead kek = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
        .getPrimitive(RegistryConfiguration.get(), Aead.class);
    Keyring k = Keyring.generate(clock);
    String wrapped = k.toJson(kek);
    String keyBytes = Base64.getEncoder().encodeToString(new byte[0]);
    assertThat(wrapped).contains("wrapped_keyset").isNotEqualTo(keyBytes);
    assertThat(Keyring.fromJson(wrapped, "kms", kek)).isEqualTo(k);
    assertThatThrownBy(() -> Keyring.fromJson(wrapped, "kms"))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("key-encryption key");
    Aead otherKek = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
        .getPrimitive(RegistryConfiguration.get(), Aead.class);
    assertThatThrownBy(() -> Keyring.fromJson(wrapped, "kms", otherKek))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR));
  }
}
