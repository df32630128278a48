package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole life of an encrypted store through the command line, on a file store and on a SQLite store: a keyring,
 * Zoho's plaintext {@code sdk_tokens.txt} migrated in, the tokens listed, no secret in the store's bytes, a new
 * key, re-encryption, the old key retired, and the tokens exported back out in plain text as they were.
 */
class EncryptionFlowTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"file", "sqlite"})
  void initMigrateListRotateRekeyRetireAndDecryptBackOut(String scheme) throws Exception {
    List<Cli.Result> outputs = new ArrayList<>();
    Path ring = dir.resolve("secrets").resolve("keyring.json");
    String k = ring.toString();

    // 1. a keyring
    Cli.Result init = Cli.run("--keyring", k, "keys", "init");
    outputs.add(init);
    assertThat(init.exit()).as(init.all()).isZero();
    long first = KeyringFile.at(ring).keyring().primaryKeyId();
    assertThat(init.out()).contains("key " + first + " (primary)");

    // 2. Zoho's plaintext file into a new encrypted store
    Path csv = Cli.writeZohoCsv(dir.resolve("sdk_tokens.txt"));
    List<OAuthToken> original;
    try (TokenStore s = TokenStores.open("file:" + csv)) {
      original = s.getTokens();
    }
    Path storeFile = dir.resolve(scheme.equals("file") ? "tokens.txt" : "tokens.db");
    String store = scheme + ":" + storeFile;
    Cli.Result migrate = Cli.run("--keyring", k, "migrate", "--from", "file:" + csv, "--to", store);
    outputs.add(migrate);
    assertThat(migrate.exit()).as(migrate.all()).isZero();
    assertThat(migrate.out()).contains("copied 3, updated 0, skipped 0");

    // 3. list shows the tokens
    Cli.Result list = Cli.run("--keyring", k, "--store", store, "list");
    outputs.add(list);
    assertThat(list.exit()).as(list.all()).isZero();
    assertThat(list.out()).contains("ann@example.com", "bob@example.com", "1000.CLIENTC", "valid", "expired",
        "not exchanged");
    Cli.Result listJson = Cli.run("--keyring", k, "--store", store, "list", "--json");
    outputs.add(listJson);
    JsonNode a = listJson.json();
    assertThat(a).hasSize(3);
    assertThat(a.get(0).get("user").asText()).isEqualTo("ann@example.com");

    // 4. the store's bytes hold no secret
    String raw = Cli.rawBytes(storeFile);
    assertThat(raw).contains("ann@example.com").contains("tse1.");
    for (String secret : Cli.CSV_SECRETS) {
      assertThat(raw).doesNotContain(secret);
    }
    assertThat(raw).doesNotContain("SECRET");

    // 5. a new key; the old one still encrypts every record and cannot be retired yet
    Cli.Result rotate = Cli.run("--keyring", k, "keys", "rotate");
    outputs.add(rotate);
    assertThat(rotate.exit()).as(rotate.all()).isZero();
    long second = KeyringFile.at(ring).keyring().primaryKeyId();
    Cli.Result inUse = Cli.run("--keyring", k, "--store", store, "keys", "retire", String.valueOf(first));
    outputs.add(inUse);
    assertThat(inUse.exit()).as(inUse.all()).isEqualTo(1);
    assertThat(inUse.err()).contains("[KEY_IN_USE]", "Key " + first + " still encrypts 3 records");
    assertThat(KeyringFile.at(ring).keyring().hasKey(first)).isTrue();

    // 6. re-encryption with the new key, with the counts
    Cli.Result rekey = Cli.run("--keyring", k, "--store", store, "rekey");
    outputs.add(rekey);
    assertThat(rekey.exit()).as(rekey.all()).isZero();
    assertThat(rekey.out()).contains("Re-encrypted 3 of 3 records (0 already used the primary key).");
    Cli.Result usage = Cli.run("--keyring", k, "--store", store, "keys", "list", "--json");
    outputs.add(usage);
    assertThat(usage.json().get(0).get("id").asLong()).isEqualTo(second);
    assertThat(usage.json().get(0).get("records").asInt()).isEqualTo(3);
    assertThat(usage.json().get(1).get("records").asInt()).isZero();

    // 7. the old key retires; the primary key does not
    Cli.Result retire = Cli.run("--keyring", k, "--store", store, "keys", "retire", String.valueOf(first));
    outputs.add(retire);
    assertThat(retire.exit()).as(retire.all()).isZero();
    assertThat(retire.out()).contains("Retired key " + first);
    assertThat(KeyringFile.at(ring).keyring().keys()).hasSize(1);
    Cli.Result primary = Cli.run("--keyring", k, "--store", store, "keys", "retire", String.valueOf(second));
    outputs.add(primary);
    assertThat(primary.exit()).isEqualTo(1);
    assertThat(primary.err()).contains("[KEY_IN_USE]", "primary key");

    // 8. without the keyring the store is refused, naming the option
    Cli.Result without = Cli.run("--store", store, "list");
    outputs.add(without);
    assertThat(without.exit()).isEqualTo(1);
    assertThat(without.err()).contains("[ENCRYPTED_STORE]", "--keyring");

    // 9. out again, in plain text, only with --decrypt: the original secrets
    Path export = dir.resolve("export.txt");
    Cli.Result refused = Cli.run("--keyring", k, "migrate", "--from", store, "--to", "file:" + export);
    outputs.add(refused);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(export).doesNotExist();
    Cli.Result decrypt = Cli.run("--keyring", k, "migrate", "--decrypt", "--from", store, "--to",
        "file:" + export);
    outputs.add(decrypt);
    assertThat(decrypt.exit()).as(decrypt.all()).isZero();
    try (TokenStore s = TokenStores.open("file:" + export)) {
      assertThat(s.getTokens()).isEqualTo(original);
    }
    String exported = Files.readString(export);
    assertThat(exported).contains(Cli.CSV_SECRETS).doesNotContain("tse1.");

    for (Cli.Result r : outputs) {
      assertThat(r.all()).doesNotContain("SECRET", "\tat ");
    }
    KeysCommandTest.assertNoKeyMaterial(ring, outputs.toArray(Cli.Result[]::new));
  }
}
