package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SQL stores' entry table as the database sees it, on SQLite, MariaDB and PostgreSQL: the table
 * {@code tokenstore_entry} is created on first use with the primary key (kind, name) and plain text that other tools
 * read; it is one table per database, shared by the token tables in it; a server that goes away gives
 * {@code STORE_UNAVAILABLE} without a name or value, and the entries work again when it is back. The behaviour every
 * store shares is in the testkit's {@code EntryTableContract}.
 */
class JdbcEntryTableTest {
  private static final String HOSTILE_NAME = "x'); DROP TABLE tokenstore_entry; -- é 🙂";
  private static final String HOSTILE_VALUE = "{\"hash\":\"sha256:ab\\u00e9\"}\n'; DELETE FROM oauthtoken; -- 用户 🔑";

  @TempDir Path dir;

  private Connection raw(String engine, String uri) throws SQLException {
    if (engine.equals("sqlite")) {
      return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("tokens.db"));
    }
    return lastDatabase.connect();
  }

  private TestDatabase lastDatabase;

  private String freshUri(String engine) {
    if (engine.equals("sqlite")) {
      return "sqlite:" + dir.resolve("tokens.db");
    }
    lastDatabase = engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    return lastDatabase.storeUri();
  }

  private static EntryTable entries(TokenStore store) {
    return store.capability(EntryTable.class).orElseThrow();
  }

  /** The rows of tokenstore_entry read by plain JDBC, names decoded from UTF-8 where the column is binary. */
  private static Map<String, String> rows(Connection c, String engine) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT kind, name, value FROM tokenstore_entry")) {
      while (rs.next()) {
        String name = engine.equals("mariadb") ? new String(rs.getBytes(2), StandardCharsets.UTF_8) : rs.getString(2);
        out.put(rs.getString(1) + "/" + name, rs.getString(3));
      }
    }
    return out;
  }

  private static List<String> primaryKey(Connection c, String engine) throws SQLException {
    TreeMap<Short, String> columns = new TreeMap<>();
    String table = "tokenstore_entry";
    try (ResultSet rs = c.getMetaData().getPrimaryKeys(engine.equals("mariadb") ? c.getCatalog() : null, null,
        table)) {
      while (rs.next()) {
        columns.put(rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
      }
    }
    return new ArrayList<>(columns.values());
  }

  private static boolean tableExists(Connection c, String engine, String table) throws SQLException {
    try (ResultSet rs = c.getMetaData().getTables(engine.equals("mariadb") ? c.getCatalog() : null, null, table,
        null)) {
      return rs.next();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "mariadb", "postgresql"})
  void theTableIsCreatedOnFirstUseWithItsKeyAndHoldsPlainText(String engine) throws Exception {
    String uri = freshUri(engine);
    try (TokenStore store = TokenStores.open(uri)) {
      try (Connection c = raw(engine, uri)) {
        assertThat(tableExists(c, engine, "tokenstore_entry")).as("no entry table before the first use").isFalse();
      }
      assertThat(entries(store).list("api-key")).isEmpty();
      assertThat(entries(store).insert("api-key", HOSTILE_NAME, HOSTILE_VALUE)).isTrue();
      entries(store).put("audit", "a", "");
      try (Connection c = raw(engine, uri)) {
        assertThat(primaryKey(c, engine)).containsExactly("kind", "name");
        assertThat(rows(c, engine)).containsExactly(Map.entry("api-key/" + HOSTILE_NAME, HOSTILE_VALUE),
            Map.entry("audit/a", ""));
        assertThat(tableExists(c, engine, "oauthtoken")).as("the token table is still there").isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "mariadb", "postgresql"})
  void everyTokenTableOfADatabaseSharesItsEntries(String engine) throws Exception {
    String base = freshUri(engine);
    String sep = base.contains("?") ? "&" : "?";
    try (TokenStore first = TokenStores.open(base + sep + "table=first_tokens");
        TokenStore second = TokenStores.open(base + sep + "table=second_tokens")) {
      assertThat(entries(first).insert("api-key", "k", "v")).isTrue();
      assertThat(entries(second).get("api-key", "k")).contains("v");
      assertThat(entries(second).insert("api-key", "k", "w")).isFalse();
      second.deleteTokens();
      assertThat(entries(first).list("api-key")).containsOnlyKeys("k");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void aServerThatGoesAwayIsStoreUnavailableWithoutNamesOrValuesAndWorksWhenBack(String engine) throws Exception {
    TestDatabase db = engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    String auth = db.password().isEmpty() ? db.user() : db.user() + ":" + db.password();
    try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
      String uri = (engine.equals("mariadb") ? "mariadb://" : "postgresql://") + auth + "@127.0.0.1:" + proxy.port()
          + "/" + db.database() + (engine.equals("mariadb") ? "?sslMode=disable" : "");
      try (TokenStore store = TokenStores.open(uri)) {
        EntryTable e = entries(store);
        e.put("api-key", "secret-name", "secret-value");
        proxy.stop();
        List<Runnable> ops = List.of(() -> e.get("api-key", "secret-name"), () -> e.list("api-key"),
            () -> e.insert("api-key", "secret-name-2", "secret-value"), () -> e.put("api-key", "secret-name", "x"),
            () -> e.remove("api-key", "secret-name"));
        for (Runnable op : ops) {
          assertThatThrownBy(op::run).isInstanceOfSatisfying(StoreException.class, ex -> {
            assertThat(ex.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
            assertThat(ex.getMessage()).contains("entr").doesNotContain("secret-name", "secret-value");
          });
        }
        proxy.start();
        assertThat(e.get("api-key", "secret-name")).contains("secret-value");
        assertThat(e.insert("api-key", "secret-name-2", "v2")).isTrue();
      }
    }
  }
}
