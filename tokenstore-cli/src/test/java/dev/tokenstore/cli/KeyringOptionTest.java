package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global option {@code --keyring} ({@code TOKENSTORE_KEYRING}): every command works on an encrypted store
 * with it, and fails clearly (exit 1, naming {@code --keyring}) without it or with the wrong one.
 */
class KeyringOptionTest {
  @TempDir Path dir;
  private Path ring;
  private String store;

  @BeforeEach
  void encryptedStore() {
    ring = dir.resolve("keyring.json");
    Cli.init(ring);
    store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
  }

  @Test
  void everyCommandReadsAndWritesTheEncryptedStoreWithTheKeyring() throws Exception {
    String k = ring.toString();
    Cli.Result list = Cli.run("--keyring", k, "--store", store, "list", "--json");
    assertThat(list.exit()).as(list.all()).isZero();
    JsonNode a = list.json();
    assertThat(a).hasSize(2);
    assertThat(a.get(0).get("user").asText()).isEqualTo("ann@example.com");
    assertThat(a.get(0).get("status").asText()).isEqualTo("valid");
    assertThat(a.get(0).get("refreshToken").asText()).startsWith("<redacted:");

    Cli.Result reveal = Cli.run(Map.of("TOKENSTORE_KEYRING", k, "TOKENSTORE_STORE", store), "show", "--user",
        "bob@example.com", "--reveal");
    assertThat(reveal.exit()).as(reveal.all()).isZero();
    assertThat(reveal.out()).contains("rt-SECRET-bob", "at-SECRET-bob", "cs-SECRET-bob")
        .doesNotContain("tse1.");

    Cli.Result access = Cli.run("--keyring", k, "--store", store, "access-token", "--user", "ann@example.com");
    assertThat(access.exit()).as(access.all()).isZero();
    assertThat(access.out().strip()).isEqualTo("at-SECRET-ann");

    Cli.Result delete = Cli.run("--keyring", k, "--store", store, "delete", "2", "--yes");
    assertThat(delete.exit()).as(delete.all()).isZero();
    try (TokenStore s = EncryptedTokenStore.open(store, KeyringFile.at(ring))) {
      assertThat(s.getTokens()).extracting(OAuthToken::userName).containsExactly("ann@example.com");
    }
    assertThat(Cli.rawBytes(dir.resolve("tokens.db"))).doesNotContain("SECRET");
  }

  @Test
  void anEncryptedStoreWithoutTheKeyringFailsWithExit1NamingTheOption() throws Exception {
    for (String[] command : List.of(new String[] {"list"}, new String[] {"show", "--id", "1"},
        new String[] {"access-token", "--user", "ann@example.com"}, new String[] {"delete", "--all", "--yes"})) {
      String[] args = new String[command.length + 2];
      args[0] = "--store";
      args[1] = store;
      System.arraycopy(command, 0, args, 2, command.length);
      Cli.Result r = Cli.run(args);
      assertThat(r.exit()).as(String.join(" ", args) + ": " + r.all()).isEqualTo(1);
      assertThat(r.err()).startsWith("error: [ENCRYPTED_STORE]").contains("opened without their keyring",
          "--keyring SPEC", "TOKENSTORE_KEYRING").doesNotContain("EncryptedTokenStore", "\tat ");
      assertThat(r.out()).isEmpty();
    }
    try (TokenStore s = EncryptedTokenStore.open(store, KeyringFile.at(ring))) {
      assertThat(s.getTokens()).as("nothing deleted").hasSize(2);
    }
  }

  @Test
  void addingATokenToAnEncryptedStoreWithoutTheKeyringIsRefusedBeforeTheServerIsCalled() throws Exception {
    // the accounts server is unreachable: the store is refused first
    Cli.Result r = Cli.run("--store", store, "--accounts-url", "http://127.0.0.1:1", "--client-id", "c",
        "import", "--refresh-token", "rt-SECRET-new", "--user", "new@example.com");
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.err()).contains("[ENCRYPTED_STORE]", "--keyring").doesNotContain("SECRET");
    try (TokenStore s = EncryptedTokenStore.open(store, KeyringFile.at(ring))) {
      assertThat(s.getTokens()).hasSize(2);
    }
  }

  @Test
  void aWrongMissingOrUnsafeKeyringIsAClearFailure() throws Exception {
    Path other = dir.resolve("other.json");
    Cli.init(other);
    Cli.Result wrong = Cli.run("--keyring", other.toString(), "--store", store, "list");
    assertThat(wrong.exit()).as(wrong.all()).isEqualTo(1);
    assertThat(wrong.err()).contains("[UNKNOWN_KEY]", "Use the keyring this store was encrypted with");

    Cli.Result missing = Cli.run("--keyring", dir.resolve("nope.json").toString(), "--store", store, "list");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("[KEYRING_ERROR]", "does not exist", "keys init");

    Files.setPosixFilePermissions(ring, PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Result open = Cli.run("--keyring", ring.toString(), "--store", store, "list");
    assertThat(open.exit()).isEqualTo(1);
    assertThat(open.err()).contains("[KEYRING_ERROR]", "chmod 600");

    for (Cli.Result r : List.of(wrong, missing, open)) {
      assertThat(r.all()).doesNotContain("SECRET", "\tat ");
    }
  }

  @Test
  void aRecordWhoseSecretsWereSwappedIsRefusedAndCanBeDeleted() throws Exception {
    // someone with write access to the table gives bob ann's refresh token
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("tokens.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE oauthtoken SET refresh_token = (SELECT refresh_token FROM oauthtoken WHERE id = '1') "
          + "WHERE id = '2'");
    }
    String k = ring.toString();
    Cli.Result show = Cli.run("--keyring", k, "--store", store, "show", "--id", "2", "--reveal");
    assertThat(show.exit()).as(show.all()).isEqualTo(1);
    assertThat(show.err()).contains("[RECORD_MISMATCH]", "record 2").doesNotContain("SECRET");
    assertThat(show.out()).isEmpty();
    Cli.Result list = Cli.run("--keyring", k, "--store", store, "list");
    assertThat(list.exit()).isEqualTo(1);

    Cli.Result delete = Cli.run("--keyring", k, "--store", store, "delete", "2", "--yes");
    assertThat(delete.exit()).as(delete.all()).isZero();
    assertThat(delete.out()).contains("Deleted token id 2");
    Cli.Result after = Cli.run("--keyring", k, "--store", store, "list", "--json");
    assertThat(after.exit()).as(after.all()).isZero();
    assertThat(after.json()).hasSize(1);

    Cli.saveEncrypted(store, ring, Cli.token("bob@example.com"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("tokens.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE oauthtoken SET user_name = 'eve@example.com' WHERE user_name = 'bob@example.com'");
    }
    Cli.Result all = Cli.run("--keyring", k, "--store", store, "delete", "--all", "--yes");
    assertThat(all.exit()).as(all.all()).isZero();
    assertThat(all.out()).contains("Deleted 2 tokens");
  }

  @Test
  void aPlaintextStoreIsReadAsItIsWithoutKeyring() {
    String plain = "sqlite:" + dir.resolve("plain.db");
    try (TokenStore s = dev.tokenstore.TokenStores.open(plain)) {
      s.saveToken(Cli.token("ann@example.com"));
    }
    Cli.Result r = Cli.run("--store", plain, "list");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("ann@example.com");
    Cli.Result withKeyring = Cli.run("--keyring", ring.toString(), "--store", plain, "list");
    assertThat(withKeyring.exit()).as("a plain record is never handed out as if encrypted").isEqualTo(1);
    assertThat(withKeyring.err()).contains("[NOT_ENCRYPTED]", "rekey --encrypt-plaintext")
        .doesNotContain("SECRET");
  }
}
