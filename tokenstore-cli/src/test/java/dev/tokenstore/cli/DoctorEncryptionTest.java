package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenstore doctor} and encryption: the loud warning about plain secrets, the keyring's keys and usage. */
class DoctorEncryptionTest {
  @TempDir Path dir;

  @Test
  void warnsLoudlyAboutAPlaintextStoreWithSecretsAndSaysHowToEncryptIt() throws Exception {
    Path csv = Cli.writeZohoCsv(dir.resolve("sdk_tokens.txt"));
    String store = "file:" + csv;
    Cli.Result r = Cli.run("--store", store, "doctor", "--offline");
    assertThat(r.exit()).as("a warning does not fail: " + r.all()).isZero();
    assertThat(r.out()).contains("WARN  encryption  3 of 3 records keep their secrets in plain text")
        .contains("WARNING: 3 of 3 records in " + store + " keep their secrets (tokens, client secrets) in PLAIN TEXT",
            "keys init", "migrate --from " + store + " --to NEW_URI", "--store " + store + " rekey --encrypt-plaintext")
        .doesNotContain("SECRET");
    assertThat(r.out().lines().filter(l -> l.startsWith("WARNING:"))).hasSize(1);

    Cli.Result json = Cli.run("--store", store, "doctor", "--offline", "--json");
    assertThat(json.exit()).isZero();
    JsonNode n = json.json();
    assertThat(n.get("plaintextSecrets").asInt()).isEqualTo(3);
    assertThat(n.get("encryption").get("plaintextRecords").asInt()).isEqualTo(3);
    assertThat(n.get("encryption").get("keyring").isNull()).isTrue();
    assertThat(json.out()).doesNotContain("SECRET");
  }

  @Test
  void noWarningForAnEmptyStore() {
    String store = "sqlite:" + dir.resolve("t.db"); // every record holds a token: only an empty store has none
    Cli.Result r = Cli.run("--store", store, "doctor", "--offline");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).doesNotContain("WARNING", "encryption");
    assertThat(Cli.run("--store", store, "doctor", "--offline", "--json").json().get("plaintextSecrets").asInt())
        .isZero();
  }

  @Test
  void withTheKeyringReportsTheKeysAndWhichRecordsUseThem() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    String store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    long second = KeyringFile.at(ring).keyring().primaryKeyId();

    Cli.Result r = Cli.run("--keyring", ring.toString(), "--store", store, "doctor", "--offline");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("OK    store       opened " + store + " and read 2 tokens, encrypted",
        "OK    keyring     the keyring file " + ring + " has 2 keys: " + second + " (primary), " + first,
        "records by key: " + second + " (primary): 0, " + first + ": 2",
        "WARN  keys        records still use older keys: key " + first + " (2 records)", "rekey")
        .doesNotContain("WARNING", "SECRET");

    Cli.Result json = Cli.run("--keyring", ring.toString(), "--store", store, "doctor", "--offline", "--json");
    JsonNode e = json.json().get("encryption");
    assertThat(e.get("keyring").asText()).contains(ring.toString());
    assertThat(e.get("keys")).hasSize(2);
    assertThat(e.get("keys").get(0).get("id").asLong()).isEqualTo(second);
    assertThat(e.get("keys").get(0).get("records").asInt()).isZero();
    assertThat(e.get("keys").get(1).get("records").asInt()).isEqualTo(2);
    assertThat(json.json().get("plaintextSecrets").asInt()).isZero();
    KeysCommandTest.assertNoKeyMaterial(ring, r, json);

    assertThat(Cli.run("--keyring", ring.toString(), "--store", store, "rekey").exit()).isZero();
    Cli.Result after = Cli.run("--keyring", ring.toString(), "--store", store, "doctor", "--offline");
    assertThat(after.out()).contains("no record of this store uses key " + first, "keys retire " + first)
        .doesNotContain("WARN  keys");
  }

  @Test
  void anEncryptedStoreWithoutTheKeyringAndAnUnreadableKeyringFail() {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    String store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"));
    Cli.Result r = Cli.run("--store", store, "doctor", "--offline");
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("FAIL  store", "holds encrypted tokens", "--keyring").doesNotContain("WARNING");

    Cli.Result missing = Cli.run("--keyring", dir.resolve("nope.json").toString(), "--store", store, "doctor",
        "--offline");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.out()).contains("FAIL  keyring", "[KEYRING_ERROR]", "does not exist");
  }
}
