package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenstore list} of a real encrypted SQLite store with damaged records: the good records are listed, each
 * damaged one as a row with its id, user name, status {@code damaged} and error code, the exit code is 1 and stderr
 * says what to do.
 */
class ListDamagedTest {
  @TempDir Path dir;

  @Test
  void listsTheGoodRecordsAndEachDamagedOneWithItsErrorAndExitsWithOne() throws Exception {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    Path other = dir.resolve("other.json");
    Cli.init(other);
    Path db = dir.resolve("tokens.db");
    String store = "sqlite:" + db;
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"),
        Cli.token("carl@example.com"));
    Cli.saveEncrypted(store, other, Cli.token("dave@example.com")); // sealed by a key this keyring lacks
    // a disk fault changes the last character of bob's access token ciphertext
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      assertThat(st.executeUpdate("UPDATE oauthtoken SET access_token = substr(access_token, 1, "
          + "length(access_token) - 1) || CASE WHEN substr(access_token, -1) = 'A' THEN 'B' ELSE 'A' END "
          + "WHERE id = '2'")).isEqualTo(1);
    }
    String[] base = {"--keyring", ring.toString(), "--store", store};

    Cli.Result list = Cli.run(concat(base, "list"));
    assertThat(list.exit()).as(list.all()).isEqualTo(ExitCodes.FAILURE);
    assertThat(list.out().lines()).hasSize(5).anySatisfy(l -> assertThat(l).startsWith("1 ")
        .contains("ann@example.com", "valid")).anySatisfy(l -> assertThat(l).startsWith("3 ")
        .contains("carl@example.com", "valid")).anySatisfy(l -> assertThat(l).startsWith("2 ")
        .contains("bob@example.com", "damaged [DECRYPTION_FAILED]")).anySatisfy(l -> assertThat(l).startsWith("4 ")
        .contains("dave@example.com", "damaged [UNKNOWN_KEY]"));
    assertThat(list.err()).contains("error: 2 of 4 records cannot be read",
        "id 2 (user bob@example.com): [DECRYPTION_FAILED]", "id 4 (user dave@example.com): [UNKNOWN_KEY]",
        "'tokenstore delete 2'", "tokenstore rekey");

    Cli.Result json = Cli.run(concat(base, "list", "--json", "--reveal"));
    assertThat(json.exit()).as(json.all()).isEqualTo(ExitCodes.FAILURE);
    JsonNode items = json.json();
    assertThat(items).hasSize(4);
    assertThat(items.get(0).get("accessToken").asText()).isEqualTo("at-SECRET-ann");
    JsonNode bob = items.get(1);
    assertThat(bob.get("id").asText()).isEqualTo("2");
    assertThat(bob.get("user").asText()).isEqualTo("bob@example.com");
    assertThat(bob.get("status").asText()).isEqualTo("damaged");
    assertThat(bob.get("error").get("code").asText()).isEqualTo("DECRYPTION_FAILED");
    assertThat(bob.get("error").get("message").asText()).contains("record 2");
    assertThat(bob.has("accessToken")).isFalse();
    assertThat(items.get(3).get("error").get("code").asText()).isEqualTo("UNKNOWN_KEY");
    assertThat(json.err()).contains("2 of 4 records cannot be read");
    assertThat(list.all() + json.err() + bob).doesNotContain("SECRET");

    // the way out: delete the damaged records; the list is whole again
    assertThat(Cli.run(concat(base, "delete", "2", "--yes")).exit()).isZero();
    assertThat(Cli.run(concat(base, "delete", "4", "--yes")).exit()).isZero();
    Cli.Result after = Cli.run(concat(base, "list"));
    assertThat(after.exit()).as(after.all()).isZero();
    assertThat(after.out()).contains("ann@example.com", "carl@example.com").doesNotContain("damaged");
    assertThat(after.err()).isEmpty();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
