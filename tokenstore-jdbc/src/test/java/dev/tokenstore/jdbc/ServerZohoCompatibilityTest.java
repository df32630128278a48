package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On real MariaDB and PostgreSQL servers: a table made with Zoho's DDL (the one in Zoho's DBStore README) holding
 * rows as Zoho's SDKs write them opens, reads and updates; Zoho's way of reading (select * by position) and
 * writing (insert with its ten-column list) keeps working on what we leave behind.
 */
class ServerZohoCompatibilityTest {
  /** Zoho's DBStore DDL, verbatim. */
  static final String ZOHO_DDL = "CREATE TABLE oauthtoken (id varchar(10) NOT NULL, user_name varchar(255), "
      + "client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), "
      + "grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), "
      + "primary key (id))";

  private static final long EXPIRY = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final List<String> ZOHO_COLUMNS = List.of("id", "user_name", "client_id", "client_secret",
      "refresh_token", "access_token", "grant_token", "expiry_time", "redirect_url", "api_domain");

  private static TestDatabase database(String engine) {
    return engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
  }

  private static TestDatabase zohoDatabase(String engine) throws SQLException {
    TestDatabase db = database(engine);
    exec(db, ZOHO_DDL);
    for (int i = 1; i <= 12; i++) {
      // Zoho writes empty strings for missing values; grant tokens are used up, so empty.
      zohoInsert(db, String.valueOf(i), "user" + i + "@example.com", "1000.CLIENT", "secret" + i,
          "1000.refresh" + i, i % 3 == 0 ? "" : "1000.access" + i, "", i % 4 == 0 ? "" : String.valueOf(EXPIRY + i),
          "https://example.com/callback", "https://www.zohoapis.com");
    }
    return db;
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void zohoTableOpensReadsAndUpdatesAndZohoStillReadsAndWritesIt(String engine) throws Exception {
    TestDatabase db = zohoDatabase(engine);
    try (TokenStore opened = TokenStores.open(db.storeUri())) {
      JdbcTokenStore store = opened.capability(JdbcTokenStore.class).orElseThrow();
      assertThat(store.getTokens()).extracting(OAuthToken::id)
          .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
      OAuthToken t3 = store.findToken(OAuthToken.builder().userName("user3@example.com").build()).orElseThrow();
      assertThat(t3.id()).isEqualTo("3");
      assertThat(t3.accessToken()).isNull(); // "" is null
      assertThat(t3.grantToken()).isNull();
      assertThat(t3.expiresAt()).isEqualTo(Instant.ofEpochMilli(EXPIRY + 3));
      assertThat(store.findTokenById("4").orElseThrow().expiresAt()).isNull();
      assertThat(store.findToken(OAuthToken.builder().refreshToken("1000.refresh11").build()))
          .map(OAuthToken::id).contains("11");

      OAuthToken updated = store.saveToken(OAuthToken.builder().userName("user3@example.com")
          .accessToken("1000.newaccess").expiresAt(Instant.ofEpochMilli(EXPIRY + 3_600_000)).build());
      assertThat(updated.id()).isEqualTo("3");
      assertThat(updated.refreshToken()).isEqualTo("1000.refresh3");

      OAuthToken added = store.saveToken(OAuthToken.builder().userName("new@example.com").clientId("1000.CLIENT")
          .refreshToken("1000.refreshNew").apiDomain("https://www.zohoapis.com").build());
      assertThat(added.id()).isEqualTo("13"); // numeric MAX, not the varchar MAX ("9")

      // Longer than Zoho's varchar(255): the migration widened the token columns.
      String longToken = "1000." + "r".repeat(5_000);
      OAuthToken big = store.saveToken(OAuthToken.builder().userName("long@example.com").refreshToken(longToken)
          .build());
      assertThat(store.findToken(OAuthToken.builder().refreshToken(longToken).build())).contains(big);
    }

    // Zoho's columns, in Zoho's order, come first; whatever we added comes after them.
    assertThat(columns(db).subList(0, 10)).isEqualTo(ZOHO_COLUMNS);
    assertThat(rowByPosition(db, "3")).containsExactly("3", "user3@example.com", "1000.CLIENT", "secret3",
        "1000.refresh3", "1000.newaccess", null, String.valueOf(EXPIRY + 3_600_000), "https://example.com/callback",
        "https://www.zohoapis.com");
    assertThat(rowByPosition(db, "13").get(1)).isEqualTo("new@example.com");

    // Zoho's SDK inserts with its column list, after MAX(id) + 1: works on the migrated table, and we read it.
    zohoInsert(db, "15", "zoho-wrote@example.com", "1000.CLIENT", "s", "1000.refreshZ", "", "", "", "", "");
    try (var store = TokenStores.open(db.storeUri())) {
      assertThat(store.findToken(OAuthToken.builder().userName("zoho-wrote@example.com").build()))
          .map(OAuthToken::id).contains("15");
      assertThat(store.saveToken(OAuthToken.builder().userName("after@example.com").refreshToken("x").build()).id())
          .isEqualTo("16");
    }
    assertThat(count(db, "SELECT version FROM tokenstore_schema WHERE table_name = 'oauthtoken'")).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void existingDuplicatesDoNotFailTheOpenAndNoNewDuplicateIsWritten(String engine) throws Exception {
    TestDatabase db = database(engine);
    exec(db, ZOHO_DDL);
    zohoInsert(db, "1", "dup@example.com", "", "", "r1", "", "", "", "", "");
    zohoInsert(db, "2", "dup@example.com", "", "", "r2", "", "", "", "", "");
    try (var store = TokenStores.open(db.storeUri())) {
      assertThat(store.getTokens()).hasSize(2);
      assertThatThrownBy(() -> store.findToken(OAuthToken.builder().userName("dup@example.com").build()))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.AMBIGUOUS_MATCH);
      assertThat(store.saveToken(OAuthToken.builder().id("2").accessToken("a2").build()).userName())
          .isEqualTo("dup@example.com");
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().id("3").userName("dup@example.com")
          .refreshToken("r3").build()))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.DUPLICATE_TOKEN);
    }
    assertThat(count(db, "SELECT count(*) FROM oauthtoken")).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void theDatabaseItselfRefusesADuplicateUserEvenFromAnotherWriter(String engine) throws Exception {
    TestDatabase db = database(engine);
    try (var store = TokenStores.open(db.storeUri())) {
      store.saveToken(OAuthToken.builder().userName("u@example.com").refreshToken("r1").build());
    }
    // NULL and '' are the same client id / API domain, as in the matching rules.
    assertThatThrownBy(() -> zohoInsert(db, "99", "u@example.com", "", "", "r2", "", "", "", "", ""))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("23"));
    // Another client, or another letter case, is another user.
    zohoInsert(db, "100", "u@example.com", "1000.OTHER", "", "r3", "", "", "", "", "");
    zohoInsert(db, "101", "U@example.com", "", "", "r4", "", "", "", "", "");
    zohoInsert(db, "x999", "w@example.com", "", "", "r6", "", "", "", "", ""); // not numeric: not counted
    zohoInsert(db, "0042", "y@example.com", "", "", "r7", "", "", "", "", "");
    try (var store = TokenStores.open(db.storeUri())) {
      assertThat(store.getTokens()).hasSize(5);
      // Ids the store picks come after every numeric id, whoever wrote it.
      OAuthToken v = store.saveToken(OAuthToken.builder().userName("v@example.com").refreshToken("r5").build());
      assertThat(v.id()).isEqualTo("102");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void reopeningDoesNotChangeTheSchemaAgain(String engine) throws Exception {
    TestDatabase db = zohoDatabase(engine);
    TokenStores.open(db.storeUri()).close();
    List<String> before = columns(db);
    try (var store = TokenStores.open(db.storeUri())) {
      assertThat(store.getTokens()).hasSize(12);
    }
    assertThat(columns(db)).isEqualTo(before);
    assertThat(count(db, "SELECT version FROM tokenstore_schema WHERE table_name = 'oauthtoken'")).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void withoutCreateSchemaAMissingTableIsAClearErrorAndZohosTableIsUsedAsIs(String engine) throws Exception {
    TestDatabase db = database(engine);
    String uri = db.storeUri() + (db.storeUri().contains("?") ? "&" : "?") + "createSchema=false";
    assertThatThrownBy(() -> TokenStores.open(uri))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
          assertThat(e.getMessage()).contains("does not exist").contains("createSchema");
        });
    exec(db, ZOHO_DDL);
    try (var store = TokenStores.open(uri)) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
      assertThat(saved.id()).isEqualTo("1");
      assertThat(store.getTokens()).containsExactly(saved);
    }
    assertThat(columns(db)).isEqualTo(ZOHO_COLUMNS);
  }

  // ------------------------------------------------------------------ plain JDBC, as Zoho's SDK does it

  static void exec(TestDatabase db, String... sql) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /** Inserts ten strings as given ("" stays ""), with Zoho's column list. */
  static void zohoInsert(TestDatabase db, String... values) throws SQLException {
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("insert into oauthtoken "
        + "(id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,"
        + "api_domain) values (?,?,?,?,?,?,?,?,?,?)")) {
      for (int i = 0; i < 10; i++) {
        ps.setString(i + 1, values[i]);
      }
      ps.executeUpdate();
    }
  }

  static List<String> columns(TestDatabase db) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select * from oauthtoken where 1 = 0")) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> out = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        out.add(md.getColumnName(i).toLowerCase(java.util.Locale.ROOT));
      }
      return out;
    }
  }

  /** Columns 1..10 of a row, by position, as Zoho's SDK reads them ({@code select *}). */
  static List<String> rowByPosition(TestDatabase db, String id) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("select * from oauthtoken where id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
          out.add(rs.getString(i));
        }
        return out;
      }
    }
  }

  static long count(TestDatabase db, String sql) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
