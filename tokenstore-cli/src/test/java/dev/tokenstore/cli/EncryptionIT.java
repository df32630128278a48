package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption at rest through the real jar in its own process: Google Tink and its dependencies are in the shaded
 * jar and work there, and {@code TOKENSTORE_KEYRING} from the process environment is the keyring.
 */
class EncryptionIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;

  @Test
  void theShadedJarMakesAKeyringEncryptsAStoreAndReadsItWithTheVariable() throws Exception {
    Path ring = home.resolve("keys").resolve("keyring.json");
    Path csv = Cli.writeZohoCsv(home.resolve("sdk_tokens.txt"));
    Path db = home.resolve("tokens.db");
    String store = "sqlite:" + db;

    for (String[] help : List.of(new String[] {"keys", "init", "--help"}, new String[] {"rekey", "--help"})) {
      Jar.Result r = Jar.run(home, help);
      assertThat(r.exit()).as(r.all()).isZero();
      assertThat(r.out()).contains("Usage: tokenstore " + help[0], "Exit codes:");
    }

    Jar.Result init = withKeyring(ring, "keys", "init", "--json");
    assertThat(init.exit()).as(init.all()).isZero();
    long id = JSON.readTree(init.out()).get("id").asLong();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ring))).isEqualTo("rw-------");

    Jar.Result migrate = withKeyring(ring, "migrate", "--from", "file:" + csv, "--to", store);
    assertThat(migrate.exit()).as(migrate.all()).isZero();
    assertThat(migrate.out()).contains("copied 3");
    assertThat(Cli.rawBytes(db)).doesNotContain("SECRET");

    Jar.Result list = withKeyring(ring, "--store", store, "list", "--json");
    assertThat(list.exit()).as(list.all()).isZero();
    JsonNode a = JSON.readTree(list.out());
    assertThat(a).hasSize(3);
    assertThat(a.get(0).get("user").asText()).isEqualTo("ann@example.com");

    Jar.Result keys = withKeyring(ring, "--store", store, "keys", "list", "--json");
    assertThat(JSON.readTree(keys.out()).get(0).get("id").asLong()).isEqualTo(id);
    assertThat(JSON.readTree(keys.out()).get(0).get("records").asInt()).isEqualTo(3);

    Jar.Result without = Jar.run(home, "--store", store, "list");
    assertThat(without.exit()).isEqualTo(1);
    assertThat(without.err()).contains("[ENCRYPTED_STORE]", "--keyring");
    CommandsIT.assertNoStackTrace(without);

    Jar.Result doctor = Jar.run(home, "--store", "file:" + csv, "doctor", "--offline");
    assertThat(doctor.exit()).as(doctor.all()).isZero();
    assertThat(doctor.out()).contains("WARNING:", "PLAIN TEXT");

    for (Jar.Result r : List.of(init, migrate, list, keys, without, doctor)) {
      assertThat(r.all()).doesNotContain("SECRET");
    }
    KeysCommandTest.assertNoKeyMaterial(ring);
    for (String m : Cli.keyMaterial(ring)) {
      for (Jar.Result r : List.of(init, migrate, list, keys, without, doctor)) {
        assertThat(r.all()).doesNotContain(m);
      }
    }
  }

  private Jar.Result withKeyring(Path ring, String... args) throws Exception {
    ProcessBuilder pb = Jar.builder(home, args);
    pb.environment().put("TOKENSTORE_KEYRING", ring.toString());
    return Jar.finish(pb);
  }
}
