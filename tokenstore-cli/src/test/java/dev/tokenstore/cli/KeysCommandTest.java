package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenstore keys init | rotate | list | retire}, run in-process on real files. */
class KeysCommandTest {
  @TempDir Path dir;

  @Test
  void initCreatesThe0600FileInA0700FolderPrintsTheKeyIdAndRefusesToOverwrite() throws Exception {
    Path ring = dir.resolve("keys").resolve("keyring.json");
    Cli.Result r = Cli.run("--keyring", ring.toString(), "keys", "init");
    assertThat(r.exit()).as(r.all()).isZero();
    long id = KeyringFile.at(ring).keyring().primaryKeyId();
    assertThat(r.out()).contains("Created the keyring " + ring, "with key " + id + " (primary)", "back it up",
        "migrate", "rekey --encrypt-plaintext");
    assertThat(r.err()).isEmpty();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ring))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ring.getParent())))
        .isEqualTo("rwx------");
    assertThat(KeyringFile.at(ring).keyring().keys()).hasSize(1);

    byte[] before = Files.readAllBytes(ring);
    Cli.Result again = Cli.run("--keyring", ring.toString(), "keys", "init");
    assertThat(again.exit()).as(again.all()).isEqualTo(1);
    assertThat(again.err()).contains("[KEYRING_ERROR]", "never overwritten", "keys rotate");
    assertThat(Files.readAllBytes(ring)).as("the keyring is unchanged").isEqualTo(before);
    assertNoKeyMaterial(ring, r, again);
  }

  @Test
  void initAsJsonAndFromTheEnvironmentVariableAndFileSpec() throws Exception {
    Path ring = dir.resolve("k.json");
    Cli.Result r = Cli.run(Map.of("TOKENSTORE_KEYRING", "file:" + ring), "keys", "init", "--json");
    assertThat(r.exit()).as(r.all()).isZero();
    JsonNode n = r.json();
    assertThat(n.get("keyring").asText()).isEqualTo(ring.toString());
    assertThat(n.get("id").asLong()).isEqualTo(KeyringFile.at(ring).keyring().primaryKeyId());
    assertThat(n.get("primary").asBoolean()).isTrue();
    assertThat(n.get("created").asText()).isNotBlank();
    assertNoKeyMaterial(ring, r);
  }

  @Test
  void commandsThatChangeAKeyringNeedAKeyringFile() {
    for (String[] command : List.of(new String[] {"init"}, new String[] {"rotate"},
        new String[] {"retire", "1"})) {
      List<String> args = new ArrayList<>(List.of("keys"));
      args.addAll(List.of(command));
      Cli.Result none = Cli.run(args.toArray(String[]::new));
      assertThat(none.exit()).as(none.all()).isEqualTo(2);
      assertThat(none.err()).contains("needs the keyring file", "--keyring PATH", "TOKENSTORE_KEYRING");

      for (String spec : List.of("env:MY_KEYRING", "pkcs12:" + dir.resolve("keys.p12"))) {
        List<String> withSpec = new ArrayList<>(List.of("--keyring", spec, "--store", "memory:"));
        withSpec.addAll(args);
        Cli.Result r = Cli.run(Map.of("MY_KEYRING", "{}", "TOKENSTORE_KEYSTORE_PASSWORD", "pw"),
            withSpec.toArray(String[]::new));
        assertThat(r.exit()).as(spec + " " + command[0] + ": " + r.all()).isEqualTo(2);
        assertThat(r.err()).contains("works on a keyring file", spec, "--keyring PATH");
      }
    }
    Cli.Result noSubcommand = Cli.run("keys");
    assertThat(noSubcommand.exit()).isEqualTo(2);
    assertThat(noSubcommand.err()).contains("Missing subcommand");
    Cli.Result empty = Cli.run("--keyring", "", "keys", "init");
    assertThat(empty.exit()).isEqualTo(2);
    assertThat(empty.err()).contains("--keyring", "empty value");
    Cli.Result emptyVariable = Cli.run(Map.of("TOKENSTORE_KEYRING", " "), "keys", "list");
    assertThat(emptyVariable.exit()).isEqualTo(2);
    assertThat(emptyVariable.err()).contains("TOKENSTORE_KEYRING", "empty");
  }

  @Test
  void rotateAddsANewPrimaryKeyAndKeepsTheOldOne() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    Cli.Result r = Cli.run("--keyring", ring.toString(), "keys", "rotate");
    assertThat(r.exit()).as(r.all()).isZero();
    Keyring k = KeyringFile.at(ring).keyring();
    long second = k.primaryKeyId();
    assertThat(second).isNotEqualTo(first);
    assertThat(k.hasKey(first)).isTrue();
    assertThat(r.out()).contains("Added key " + second, "now the primary key", "rekey", "keys retire " + first);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ring))).isEqualTo("rw-------");

    Cli.Result json = Cli.run("--keyring", ring.toString(), "keys", "rotate", "--json");
    assertThat(json.exit()).as(json.all()).isZero();
    long third = KeyringFile.at(ring).keyring().primaryKeyId();
    assertThat(json.json().get("id").asLong()).isEqualTo(third);
    assertThat(json.json().get("previous").asLong()).isEqualTo(second);
    assertThat(json.json().get("keys")).hasSize(3);
    assertNoKeyMaterial(ring, r, json);

    Cli.Result missing = Cli.run("--keyring", dir.resolve("nope.json").toString(), "keys", "rotate");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("[KEYRING_ERROR]", "does not exist", "keys init");
  }

  @Test
  void listShowsIdsCreatedAndPrimaryAsTextAndJson() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    long second = KeyringFile.at(ring).keyring().primaryKeyId();

    Cli.Result text = Cli.run("--keyring", ring.toString(), "keys", "list");
    assertThat(text.exit()).as(text.all()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines.get(0)).contains("the keyring file " + ring);
    assertThat(lines.get(1)).matches("ID +CREATED +PRIMARY");
    assertThat(lines.get(2)).matches(second + " +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +yes");
    assertThat(lines.get(3)).matches(first + " +\\S+ +no");
    assertThat(lines).hasSize(4);

    Cli.Result json = Cli.run("--keyring", ring.toString(), "keys", "list", "--json");
    assertThat(json.exit()).as(json.all()).isZero();
    JsonNode a = json.json();
    assertThat(a.isArray()).isTrue();
    assertThat(a).hasSize(2);
    assertThat(a.get(0).get("id").asLong()).isEqualTo(second);
    assertThat(a.get(0).get("primary").asBoolean()).isTrue();
    assertThat(a.get(1).get("id").asLong()).isEqualTo(first);
    assertThat(a.get(1).get("primary").asBoolean()).isFalse();
    assertThat(a.get(1).get("created").asText()).isEqualTo(
        String.valueOf(KeyringFile.at(ring).keyring().keys().get(1).created()));
    assertThat(a.get(0).has("records")).as("no store given").isFalse();
    assertNoKeyMaterial(ring, text, json);
  }

  @Test
  void listReadsAKeyringKeptInAVariable() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long id = Cli.init(ring);
    Cli.Result r = Cli.run(Map.of("APP_KEYRING", Files.readString(ring)), "--keyring", "env:APP_KEYRING", "keys",
        "list", "--json");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.json().get(0).get("id").asLong()).isEqualTo(id);
    assertNoKeyMaterial(ring, r);
    Cli.Result unset = Cli.run("--keyring", "env:APP_KEYRING", "keys", "list");
    assertThat(unset.exit()).isEqualTo(1);
    assertThat(unset.err()).contains("[KEYRING_ERROR]", "APP_KEYRING");
    Cli.Result noKeyring = Cli.run("keys", "list");
    assertThat(noKeyring.exit()).isEqualTo(2);
    assertThat(noKeyring.err()).contains("needs the keyring", "--keyring");
  }

  @Test
  void aPkcs12KeystoreIsAKeyringForListMigrateAndRekeyButNotForInit() throws Exception {
    Path p12 = dir.resolve("keys.p12");
    char[] password = "store-pw".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, password);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    ks.setEntry("tokenstore-7", new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")),
        new KeyStore.PasswordProtection(password));
    try (OutputStream out = Files.newOutputStream(p12)) {
      ks.store(out, password);
    }
    Map<String, String> env = Map.of("TOKENSTORE_KEYRING", "pkcs12:" + p12, "TOKENSTORE_KEYSTORE_PASSWORD",
        "store-pw");
    Cli.Result list = Cli.run(env, "keys", "list", "--json");
    assertThat(list.exit()).as(list.all()).isZero();
    assertThat(list.json().get(0).get("id").asLong()).isEqualTo(7);
    assertThat(list.json().get(0).get("primary").asBoolean()).isTrue();

    Path csv = Cli.writeZohoCsv(dir.resolve("sdk_tokens.txt"));
    Path db = dir.resolve("tokens.db");
    Cli.Result migrate = Cli.run(env, "migrate", "--from", "file:" + csv, "--to", "sqlite:" + db);
    assertThat(migrate.exit()).as(migrate.all()).isZero();
    assertThat(Cli.rawBytes(db)).doesNotContain("SECRET");
    Cli.Result rekey = Cli.run(env, "--store", "sqlite:" + db, "rekey");
    assertThat(rekey.exit()).as(rekey.all()).isZero();
    assertThat(rekey.out()).contains("Re-encrypted 0 of 3 records (3 already used the primary key).");

    Cli.Result noPassword = Cli.run(Map.of("TOKENSTORE_KEYRING", "pkcs12:" + p12), "keys", "list");
    assertThat(noPassword.exit()).isEqualTo(1);
    assertThat(noPassword.err()).contains("[KEYRING_ERROR]", "TOKENSTORE_KEYSTORE_PASSWORD");
    Cli.Result init = Cli.run(env, "keys", "init");
    assertThat(init.exit()).isEqualTo(2);
    assertThat(init.err()).contains("PKCS#12 keystore", "keytool");
    for (Cli.Result r : List.of(list, migrate, rekey, noPassword, init)) {
      assertThat(r.all()).doesNotContain("store-pw", "SECRET");
    }
  }

  @Test
  void listWithAStoreCountsTheRecordsOfEachKey() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    String store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    assertThat(Cli.run("--keyring", ring.toString(), "keys", "rotate").exit()).isZero();
    long second = KeyringFile.at(ring).keyring().primaryKeyId();
    Cli.saveEncrypted(store, ring, Cli.token("carl@example.com"));

    Cli.Result text = Cli.run("--keyring", ring.toString(), "--store", store, "keys", "list");
    assertThat(text.exit()).as(text.all()).isZero();
    assertThat(text.out()).containsPattern("ID +CREATED +PRIMARY +RECORDS")
        .containsPattern(second + " +\\S+ +yes +1\\n").containsPattern(first + " +\\S+ +no +2\\n")
        .contains("of the 3 records of " + store, "re-encrypt them with 'tokenstore rekey'");

    Cli.Result json = Cli.run(Map.of("TOKENSTORE_STORE", store), "--keyring", ring.toString(), "keys", "list",
        "--json");
    assertThat(json.exit()).as(json.all()).isZero();
    assertThat(json.json().get(0).get("records").asInt()).isEqualTo(1);
    assertThat(json.json().get(1).get("records").asInt()).isEqualTo(2);
    assertNoKeyMaterial(ring, text, json);
  }

  @Test
  void retireRefusesThePrimaryKeyAKeyInUseAndUnknownIdsAndNeedsAStore() throws Exception {
    Path ring = dir.resolve("keyring.json");
    long first = Cli.init(ring);
    String store = "sqlite:" + dir.resolve("tokens.db");
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"));
    String k = ring.toString();

    Cli.Result primary = Cli.run("--keyring", k, "--store", store, "keys", "retire", String.valueOf(first));
    assertThat(primary.exit()).as(primary.all()).isEqualTo(1);
    assertThat(primary.err()).contains("[KEY_IN_USE]", "primary key", "keys rotate");

    assertThat(Cli.run("--keyring", k, "keys", "rotate").exit()).isZero();
    Cli.Result inUse = Cli.run("--keyring", k, "--store", store, "keys", "retire", String.valueOf(first));
    assertThat(inUse.exit()).as(inUse.all()).isEqualTo(1);
    assertThat(inUse.err()).contains("[KEY_IN_USE]", "still encrypts 2 records", "rekey");
    assertThat(KeyringFile.at(ring).keyring().hasKey(first)).isTrue();

    Cli.Result noStore = Cli.run("--keyring", k, "keys", "retire", String.valueOf(first));
    assertThat(noStore.exit()).as(noStore.all()).isEqualTo(2);
    assertThat(noStore.err()).contains("needs the store", "--store");
    Cli.Result unknown = Cli.run("--keyring", k, "--store", store, "keys", "retire", "42");
    assertThat(unknown.exit()).as(unknown.all()).isEqualTo(2);
    assertThat(unknown.err()).contains("has no key 42", String.valueOf(first));
    Cli.Result malformed = Cli.run("--keyring", k, "--store", store, "keys", "retire", "first");
    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.err()).contains("KEY_ID");
    assertThat(KeyringFile.at(ring).keyring().keys()).hasSize(2);

    // an empty (here: mistyped, new) store proves nothing: refused unless --force
    String empty = "sqlite:" + dir.resolve("empty.db");
    Cli.Result refused = Cli.run("--keyring", k, "--store", empty, "keys", "retire", String.valueOf(first));
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("KEY_IN_USE", "holds no record", "--force");
    assertThat(KeyringFile.at(ring).keyring().hasKey(first)).isTrue();
    Cli.Result retired = Cli.run("--keyring", k, "--store", empty, "keys", "retire", String.valueOf(first),
        "--force", "--json");
    assertThat(retired.exit()).as(retired.all()).isZero();
    assertThat(retired.json().get("retired").asLong()).isEqualTo(first);
    assertThat(retired.json().get("keys")).hasSize(1);
    assertThat(KeyringFile.at(ring).keyring().hasKey(first)).isFalse();
    assertNoKeyMaterial(ring, primary, inUse, retired);
  }

  /** No output holds any key of the keyring file, nor its keyset. */
  static void assertNoKeyMaterial(Path ring, Cli.Result... results) throws Exception {
    List<String> material = Cli.keyMaterial(ring);
    for (Cli.Result r : results) {
      assertThat(r.all()).doesNotContain("keyset", "keyData").doesNotContain(material);
      for (String m : material) {
        assertThat(r.all()).doesNotContain(m.substring(10, 30)); // nor a part of one
      }
    }
  }
}
