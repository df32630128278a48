package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenstore rekey}: re-encryption with the primary key, plaintext records, counts, failures, progress. */
class RekeyCommandTest {
  @TempDir Path dir;

  @Test
  void needsTheKeyringAndTheStore() {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    Cli.Result noKeyring = Cli.run("--store", "sqlite:" + dir.resolve("t.db"), "rekey");
    assertThat(noKeyring.exit()).as(noKeyring.all()).isEqualTo(2);
    assertThat(noKeyring.err()).contains("needs the keyring", "--keyring");
    Cli.Result noStore = Cli.run("--keyring", ring.toString(), "rekey");
    assertThat(noStore.exit()).as(noStore.all()).isEqualTo(2);
    assertThat(noStore.err()).contains("needs the store", "--store");
  }

  @Test
  void reencryptsEveryRecordWithTheNewPrimaryKeyAndCountsThem() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    String store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    Cli.saveEncrypted(store, ring, Cli.token("carl@example.com")); // under the new key already
    long second = KeyringFile.at(ring).keyring().primaryKeyId();

    Cli.Result r = Cli.run("--keyring", ring.toString(), "--store", store, "rekey", "--progress");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out().strip()).isEqualTo("Re-encrypted 2 of 3 records (1 already used the primary key).");
    assertThat(r.err()).contains("100% 3/3");
    try (EncryptedTokenStore s = EncryptedTokenStore.open(store, KeyringFile.at(ring))) {
      assertThat(s.keyUsage().recordsUsing(first)).isZero();
      assertThat(s.keyUsage().recordsUsing(second)).isEqualTo(3);
      assertThat(s.findToken(OAuthToken.builder().refreshToken("rt-SECRET-ann").clientId("client-1").build()))
          .as("a lookup by token still finds the re-encrypted record").isPresent();
    }

    Cli.Result again = Cli.run("--keyring", ring.toString(), "--store", store, "rekey", "--json");
    assertThat(again.exit()).as(again.all()).isZero();
    JsonNode n = again.json();
    assertThat(n.get("records").asInt()).isEqualTo(3);
    assertThat(n.get("reencrypted").asInt()).isZero();
    assertThat(n.get("unchanged").asInt()).isEqualTo(3);
    assertThat(n.get("primaryKey").asLong()).isEqualTo(second);
    assertThat(n.get("failed")).isEmpty();
    assertThat(again.err()).as("no progress bar without a terminal").isEmpty();
  }

  @Test
  void encryptPlaintextEncryptsAPlaintextStoreInPlaceAndWithoutItPlainRecordsFail() throws Exception {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    Path db = dir.resolve("plain.db");
    String store = "sqlite:" + db;
    try (TokenStore s = TokenStores.open(store)) {
      s.saveToken(Cli.token("ann@example.com"));
      s.saveToken(Cli.token("bob@example.com"));
    }

    Cli.Result refused = Cli.run("--keyring", ring.toString(), "--store", store, "rekey");
    assertThat(refused.exit()).as(refused.all()).isEqualTo(1);
    assertThat(refused.out()).contains("Left as they were (2):", "  id 1: [NOT_ENCRYPTED]",
        "  id 2: [NOT_ENCRYPTED]", "Re-encrypted 0 of 2 records (0 already used the primary key).");
    assertThat(refused.err()).contains("2 of 2 records could not be re-encrypted", "--encrypt-plaintext");
    Cli.Result refusedJson = Cli.run("--keyring", ring.toString(), "--store", store, "rekey", "--json");
    assertThat(refusedJson.exit()).isEqualTo(1);
    assertThat(refusedJson.json().get("failed")).hasSize(2);
    assertThat(refusedJson.json().get("failed").get(0).get("id").asText()).isEqualTo("1");
    assertThat(refusedJson.json().get("failed").get(0).get("code").asText()).isEqualTo("NOT_ENCRYPTED");

    Cli.Result r = Cli.run("--keyring", ring.toString(), "--store", store, "rekey", "--encrypt-plaintext");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out().strip()).isEqualTo("Re-encrypted 2 of 2 records (0 already used the primary key).");
    assertThat(Cli.rawBytes(db)).doesNotContain("SECRET");
    Cli.Result list = Cli.run("--keyring", ring.toString(), "--store", store, "show", "--id", "1", "--reveal");
    assertThat(list.exit()).as(list.all()).isZero();
    assertThat(list.out()).contains("rt-SECRET-ann", "at-SECRET-ann", "cs-SECRET-ann");
    for (Cli.Result out : new Cli.Result[] {refused, refusedJson, r}) {
      assertThat(out.all()).doesNotContain("SECRET");
    }
  }

  @Test
  void aRecordWhoseSealWasDroppedIsNeverSealedAgain() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    Path db = dir.resolve("tokens.db");
    String store = "sqlite:" + db;
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    // bob's record gets ann's encrypted tokens, and its seal (the client secret field) is replaced
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE oauthtoken SET refresh_token = (SELECT refresh_token FROM oauthtoken WHERE id = '1'), "
          + "access_token = (SELECT access_token FROM oauthtoken WHERE id = '1'), client_secret = 'plain' "
          + "WHERE id = '2'");
    }
    for (String[] extra : new String[][] {{}, {"--encrypt-plaintext"}}) {
      String[] args = new String[4 + extra.length + 1];
      System.arraycopy(new String[] {"--keyring", ring.toString(), "--store", store, "rekey"}, 0, args, 0, 5);
      System.arraycopy(extra, 0, args, 5, extra.length);
      Cli.Result r = Cli.run(args);
      assertThat(r.exit()).as(r.all()).isEqualTo(1);
      assertThat(r.err()).contains("[RECORD_MISMATCH] Record 2 holds", "without their seal", "tokenstore delete")
          .doesNotContain("SECRET");
    }
    try (EncryptedTokenStore s = EncryptedTokenStore.open(store, KeyringFile.at(ring))) {
      assertThat(s.keyUsage().recordsUsing(first)).as("nothing was re-encrypted").isEqualTo(2);
    }
    Cli.Result show = Cli.run("--keyring", ring.toString(), "--store", store, "show", "--id", "2", "--reveal");
    assertThat(show.exit()).as("bob's record still hands out nothing").isEqualTo(1);
    assertThat(show.out()).doesNotContain("SECRET");

    assertThat(Cli.run("--keyring", ring.toString(), "--store", store, "delete", "2", "--yes").exit()).isZero();
    Cli.Result after = Cli.run("--keyring", ring.toString(), "--store", store, "rekey");
    assertThat(after.exit()).as(after.all()).isZero();
    assertThat(after.out()).contains("Re-encrypted 1 of 1 records");
  }

  @Test
  void aDamagedRecordIsLeftAsItIsAndListedWithItsErrorCode() throws Exception {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    Path db = dir.resolve("tokens.db");
    String store = "sqlite:" + db;
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    // someone with write access to the table gives bob ann's refresh token
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE oauthtoken SET refresh_token = (SELECT refresh_token FROM oauthtoken WHERE id = '1') "
          + "WHERE id = '2'");
    }
    Cli.Result r = Cli.run("--keyring", ring.toString(), "--store", store, "rekey");
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("Left as they were (1):", "  id 2: [RECORD_MISMATCH]",
        "Re-encrypted 1 of 2 records (0 already used the primary key).");
    assertThat(r.err()).contains("1 of 2 records could not be re-encrypted").doesNotContain("--encrypt-plaintext");
    assertThat(r.all()).doesNotContain("SECRET");
  }
}
