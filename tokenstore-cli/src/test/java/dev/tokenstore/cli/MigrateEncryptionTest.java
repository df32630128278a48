package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenstore migrate} with encryption: a plaintext source into an encrypted target ({@code --keyring}), an
 * encrypted source with its keyring ({@code --from-keyring}), and plain text out only with {@code --decrypt}.
 */
class MigrateEncryptionTest {
  @TempDir Path dir;
  private Path ring;
  private Path csv;

  @BeforeEach
  void files() throws Exception {
    ring = dir.resolve("keyring.json");
    Cli.init(ring);
    csv = Cli.writeZohoCsv(dir.resolve("sdk_tokens.txt"));
  }

  private List<OAuthToken> plainTokens() {
    try (TokenStore s = TokenStores.open("file:" + csv)) {
      return s.getTokens();
    }
  }

  @Test
  void aPlaintextSourceGoesIntoAnEncryptedTargetIdempotently() throws Exception {
    Path db = dir.resolve("enc.db");
    String to = "sqlite:" + db;
    Cli.Result first = Cli.run("--keyring", ring.toString(), "migrate", "--from", "file:" + csv, "--to", to);
    assertThat(first.exit()).as(first.all()).isZero();
    assertThat(first.out()).contains("copied 3, updated 0, skipped 0", "encrypted with the keyring file " + ring);
    assertThat(Cli.rawBytes(db)).doesNotContain("SECRET");
    try (TokenStore s = EncryptedTokenStore.open(to, KeyringFile.at(ring))) {
      assertThat(s.getTokens()).isEqualTo(plainTokens());
    }
    Cli.Result second = Cli.run("--keyring", ring.toString(), "migrate", "--from", "file:" + csv, "--to", to,
        "--json");
    assertThat(second.exit()).as(second.all()).isZero();
    assertThat(second.json().get("skipped").asInt()).isEqualTo(3);
    assertThat(second.json().get("encrypted").asBoolean()).isTrue();
    assertThat(first.all() + second.all()).doesNotContain("SECRET");
  }

  @Test
  void anEncryptedSourceIsNeverWrittenInPlainTextWithoutDecrypt() throws Exception {
    String enc = "sqlite:" + dir.resolve("enc.db");
    assertThat(Cli.run("--keyring", ring.toString(), "migrate", "--from", "file:" + csv, "--to", enc).exit())
        .isZero();
    Path out = dir.resolve("out.txt");

    Cli.Result noKeyring = Cli.run("migrate", "--from", enc, "--to", "file:" + out);
    assertThat(noKeyring.exit()).as(noKeyring.all()).isEqualTo(1);
    assertThat(noKeyring.err()).contains("[ENCRYPTED_STORE]", "--from-keyring", "--keyring SPEC --decrypt");
    assertThat(out).as("no target created").doesNotExist();

    Cli.Result plainTarget = Cli.run("migrate", "--from-keyring", ring.toString(), "--from", enc, "--to",
        "file:" + out);
    assertThat(plainTarget.exit()).as(plainTarget.all()).isEqualTo(2);
    assertThat(plainTarget.err()).contains("plain text", "--keyring", "--decrypt");
    assertThat(out).doesNotExist();

    Cli.Result targetKeyringOnly = Cli.run("--keyring", ring.toString(), "migrate", "--from", enc, "--to",
        "file:" + out);
    assertThat(targetKeyringOnly.exit()).as("--keyring is the target's: the source is read as it is")
        .isEqualTo(1);
    assertThat(targetKeyringOnly.err()).contains("[ENCRYPTED_STORE]", "--from-keyring");
    assertThat(out).doesNotExist();

    Cli.Result decryptWithoutKeyring = Cli.run("migrate", "--decrypt", "--from", enc, "--to", "file:" + out);
    assertThat(decryptWithoutKeyring.exit()).isEqualTo(2);
    assertThat(decryptWithoutKeyring.err()).contains("--decrypt needs the keyring");
    assertThat(out).doesNotExist();

    Cli.Result decrypt = Cli.run("--keyring", ring.toString(), "migrate", "--decrypt", "--from", enc, "--to",
        "file:" + out);
    assertThat(decrypt.exit()).as(decrypt.all()).isZero();
    assertThat(decrypt.out()).contains("copied 3", "in plain text (--decrypt)");
    try (TokenStore s = TokenStores.open("file:" + out)) {
      assertThat(s.getTokens()).isEqualTo(plainTokens());
    }
    for (Cli.Result r : List.of(noKeyring, plainTarget, targetKeyringOnly, decryptWithoutKeyring, decrypt)) {
      assertThat(r.all()).doesNotContain("SECRET");
    }
  }

  @Test
  void fromKeyringCopiesAnEncryptedStoreUnderAnotherKeyring() throws Exception {
    String enc = "sqlite:" + dir.resolve("enc.db");
    assertThat(Cli.run("--keyring", ring.toString(), "migrate", "--from", "file:" + csv, "--to", enc).exit())
        .isZero();
    Path other = dir.resolve("other.json");
    Cli.init(other);
    Path copyFile = dir.resolve("copy.txt");
    String copy = "file:" + copyFile;
    Cli.Result r = Cli.run("--keyring", other.toString(), "migrate", "--from-keyring", ring.toString(), "--from",
        enc, "--to", copy);
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(Cli.rawBytes(copyFile)).doesNotContain("SECRET");
    try (TokenStore s = EncryptedTokenStore.open(copy, KeyringFile.at(other))) {
      assertThat(s.getTokens()).isEqualTo(plainTokens());
    }
    Cli.Result oldKeys = Cli.run("--keyring", ring.toString(), "--store", copy, "list");
    assertThat(oldKeys.exit()).isEqualTo(1);
    assertThat(oldKeys.err()).contains("[UNKNOWN_KEY]");
  }

  @Test
  void aTargetIsNeverMadeHalfPlainHalfEncrypted() throws Exception {
    String enc = "sqlite:" + dir.resolve("enc.db");
    Cli.saveEncrypted(enc, ring, Cli.token("zoe@example.com"));
    Cli.Result plainIntoEncrypted = Cli.run("migrate", "--from", "file:" + csv, "--to", enc);
    assertThat(plainIntoEncrypted.exit()).as(plainIntoEncrypted.all()).isEqualTo(1);
    assertThat(plainIntoEncrypted.err()).contains("[ENCRYPTED_STORE]", "The target", "--keyring");

    String plain = "sqlite:" + dir.resolve("plain.db");
    try (TokenStore s = TokenStores.open(plain)) {
      s.saveToken(Cli.token("zoe@example.com"));
    }
    Cli.Result encryptedIntoPlain = Cli.run("--keyring", ring.toString(), "migrate", "--from", "file:" + csv,
        "--to", plain);
    assertThat(encryptedIntoPlain.exit()).as(encryptedIntoPlain.all()).isEqualTo(1);
    assertThat(encryptedIntoPlain.err()).contains("[NOT_ENCRYPTED]", "The target", "rekey --encrypt-plaintext");

    try (TokenStore s = EncryptedTokenStore.open(enc, KeyringFile.at(ring))) {
      assertThat(s.getTokens()).hasSize(1);
    }
    try (TokenStore s = TokenStores.open(plain)) {
      assertThat(s.getTokens()).hasSize(1);
    }
  }
}
