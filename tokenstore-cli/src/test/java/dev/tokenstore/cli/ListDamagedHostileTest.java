package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenstore list} of a real encrypted SQLite store whose damaged records carry hostile or missing user
 * names: the table and stderr show no control or bidi character as is, {@code --json} is valid and holds the name
 * exactly, and no secret is printed.
 */
class ListDamagedHostileTest {
  private static final String HOSTILE = "eve\u202Egpj.exe\n\u001b[2J\u001b]0;owned\u0007";

  @TempDir Path dir;

  @Test
  void hostileAndMissingUserNamesOfDamagedRecordsAreShownEscaped() throws Exception {
    Path ring = dir.resolve("keyring.json");
    Cli.init(ring);
    Path db = dir.resolve("tokens.db");
    String store = "sqlite:" + db;
    Cli.saveEncrypted(store, ring, Cli.token("ann@example.com"), Cli.token("bob@example.com"),
        Cli.token("carl@example.com"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      // bob's ciphertext is damaged and his user name replaced by hostile text; carl's too, his user name gone
      try (PreparedStatement st = c.prepareStatement("UPDATE oauthtoken SET access_token = substr(access_token, 1, "
          + "length(access_token) - 1) || CASE WHEN substr(access_token, -1) = 'A' THEN 'B' ELSE 'A' END, "
          + "user_name = ? WHERE id = ?")) {
        st.setString(1, HOSTILE);
        st.setString(2, "2");
        assertThat(st.executeUpdate()).isEqualTo(1);
        st.setNull(1, java.sql.Types.VARCHAR);
        st.setString(2, "3");
        assertThat(st.executeUpdate()).isEqualTo(1);
      }
    }
    String[] base = {"--keyring", ring.toString(), "--store", store};

    Cli.Result list = Cli.run(base[0], base[1], base[2], base[3], "list", "--reveal");
    assertThat(list.exit()).as(list.all()).isEqualTo(ExitCodes.FAILURE);
    assertThat(list.out().lines()).hasSize(4);
    assertThat(list.all()).doesNotContain("\u202E", "\u001b", "\u0007", "SECRET-bob", "SECRET-carl")
        .contains("damaged [DECRYPTION_FAILED]", "error: 2 of 3 records cannot be read", "id 3: [DECRYPTION_FAILED]");
    assertThat(list.out()).contains("at-SECRET-ann"); // --reveal still shows the good record's secrets

    Cli.Result json = Cli.run(base[0], base[1], base[2], base[3], "list", "--json");
    assertThat(json.exit()).as(json.all()).isEqualTo(ExitCodes.FAILURE);
    JsonNode items = json.json();
    assertThat(items).hasSize(3);
    assertThat(items.get(1).get("user").asText()).isEqualTo(HOSTILE);
    assertThat(items.get(2).get("user").isNull()).isTrue();
    assertThat(items.get(2).get("status").asText()).isEqualTo("damaged");
    assertThat(json.err()).doesNotContain("\u202E", "\u001b", "\u0007");
    assertThat(json.all()).doesNotContain("SECRET");
  }
}
