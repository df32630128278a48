package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteDataSource;

/** The SQLite store on real database files: values, ids, schema, errors, permissions. */
class SqliteTokenStoreTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {
      "o'brien@example.com", "x'; DROP TABLE oauthtoken; --", "\" OR 1=1 --", "a,b\nc\r\nd", "ünïcödé ✓ 🔑",
      "%_*?[]\\", "Robert'); DELETE FROM tokenstore_schema;--"})
  void hostileValuesRoundTripInEveryColumn(String v) throws Exception {
    Path db = dir.resolve("hostile.db");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      OAuthToken t = OAuthToken.builder().userName(v).clientId(v).clientSecret(v).refreshToken(v)
          .accessToken(v).grantToken(v).redirectUrl(v).apiDomain(v).expiresAt(Instant.ofEpochMilli(1234)).build();
      OAuthToken saved = store.saveToken(t);
      assertThat(saved.id()).isEqualTo("1");
      assertThat(store.findToken(OAuthToken.builder().userName(v).build())).contains(saved);
      assertThat(store.findToken(OAuthToken.builder().userName(v).clientId(v).apiDomain(v).build())).contains(saved);
      assertThat(store.findToken(OAuthToken.builder().accessToken(v).build())).contains(saved);
      assertThat(store.findToken(OAuthToken.builder().grantToken(v).clientId(v).build())).contains(saved);
      assertThat(store.findToken(OAuthToken.builder().refreshToken(v).clientId(v).build())).contains(saved);
      assertThat(store.findToken(OAuthToken.builder().userName(v + "x").build())).isEmpty();
      assertThat(store.getTokens()).containsExactly(saved.toBuilder().build());
    }
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM oauthtoken")).isEqualTo(1);
  }

  @Test
  void aBulkSaveIsOneTransactionAllOrNothing() throws Exception {
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(dir.resolve("bulk.db"))) {
      List<OAuthToken> many = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        many.add(OAuthToken.builder().userName("bulk" + i + "@example.com").refreshToken("r-" + i).build());
      }
      assertThat(store.saveTokens(many)).extracting(OAuthToken::id).doesNotHaveDuplicates().hasSize(300);
      assertThatThrownBy(() -> store.saveTokens(List.of(
          OAuthToken.builder().userName("bulk1@example.com").accessToken("changed").build(),
          OAuthToken.builder().userName("new@example.com").refreshToken("r-new").build(),
          OAuthToken.builder().userName("nothing@example.com").build())))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      assertThat(store.findToken(OAuthToken.builder().userName("new@example.com").build())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().userName("bulk1@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.accessToken()).as("rolled back").isNull());
      assertThat(store.getTokens()).hasSize(300);
    }
  }

  @Test
  void longValuesRoundTrip() {
    String big = "v".repeat(10_000);
    try (JdbcTokenStore store = JdbcTokenStore.sqliteInMemory()) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName(big).refreshToken(big).build());
      assertThat(store.findTokenById(saved.id()).orElseThrow().refreshToken()).isEqualTo(big);
    }
  }

  @Test
  void moreThanTenTokensGetDistinctNumericIds() throws Exception {
    Path db = dir.resolve("ids.db");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      for (int i = 0; i < 25; i++) {
        store.saveToken(OAuthToken.builder().userName("u" + i + "@example.com").refreshToken("r" + i).build());
      }
      List<OAuthToken> all = store.getTokens();
      assertThat(all).hasSize(25);
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= 25; i++) {
        expected.add(String.valueOf(i));
      }
      assertThat(all).extracting(OAuthToken::id).containsExactlyElementsOf(expected);
      // Every user kept their own record (Zoho's eleventh save overwrote another user's row).
      for (int i = 0; i < 25; i++) {
        assertThat(store.findToken(OAuthToken.builder().userName("u" + i + "@example.com").build()))
            .map(OAuthToken::refreshToken).contains("r" + i);
      }
      assertThat(store.deleteToken("25")).isTrue();
      assertThat(store.deleteToken("25")).isFalse();
      assertThat(store.saveToken(OAuthToken.builder().userName("next").refreshToken("r").build()).id())
          .isEqualTo("25");
    }
  }

  @Test
  void newIdsAreAnsweredFromTheExpressionIndex() throws Exception {
    Path db = dir.resolve("plan.db");
    JdbcTokenStore.sqlite(db).close();
    StringBuilder plan = new StringBuilder();
    try (Connection c = ZohoDb.connect(db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN " + SqliteDialect.INSTANCE.nextIdSql("oauthtoken"))) {
      while (rs.next()) {
        plan.append(rs.getString("detail")).append('\n');
      }
    }
    assertThat(plan.toString()).contains("oauthtoken_id_num_idx");
  }

  @Test
  void nonNumericIdsFromOtherWritersDoNotBreakIdGeneration() throws Exception {
    Path db = dir.resolve("odd.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    ZohoDb.insertRow(db, "abc", "a", "", "", "r", "", "", "", "", "");
    ZohoDb.insertRow(db, "9", "b", "", "", "r", "", "", "", "", "");
    ZohoDb.insertRow(db, "99999999999999999999", "c", "", "", "r", "", "", "", "", "");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.saveToken(OAuthToken.builder().userName("d").refreshToken("r").build()).id())
          .isEqualTo("100000000000000000000");
      assertThat(store.getTokens()).extracting(OAuthToken::id)
          .containsExactly("9", "99999999999999999999", "100000000000000000000", "abc");
    }
  }

  @Test
  void theUniqueIndexRefusesDuplicatesEvenFromOtherWriters() throws Exception {
    Path db = dir.resolve("uq.db");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      OAuthToken a = store.saveToken(OAuthToken.builder().userName("u").clientId("c").refreshToken("r").build());
      OAuthToken b = store.saveToken(OAuthToken.builder().userName("u").clientId("c2").refreshToken("r2").build());
      assertThat(a.id()).isNotEqualTo(b.id());
      // Another writer (plain SQL) cannot add a duplicate either: '' and NULL count as the same client.
      assertThatThrownBy(() -> ZohoDb.insertRow(db, "50", "u", "c", "", "x", "", "", "", "", ""))
          .hasMessageContaining("UNIQUE");
      ZohoDb.insertRow(db, "51", "v", "", "", "x", "", "", "", "", "");
      assertThatThrownBy(() -> ZohoDb.exec(db, "INSERT INTO oauthtoken (id, user_name, refresh_token) "
          + "VALUES ('52', 'v', 'y')")).hasMessageContaining("UNIQUE");
      // Our own save that would give record b the identity of record a is DUPLICATE_TOKEN.
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().id(b.id()).clientId("c").build()))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.DUPLICATE_TOKEN));
      assertThat(store.findTokenById(b.id())).map(OAuthToken::clientId).contains("c2");
    }
  }

  @Test
  void aUniqueViolationTheStoreDidNotForeseeIsDuplicateToken() throws Exception {
    // A user's table with an extra unique constraint: the driver's violation becomes DUPLICATE_TOKEN.
    Path db = dir.resolve("extra.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL, "CREATE UNIQUE INDEX extra_rt ON oauthtoken (refresh_token)");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      store.saveToken(OAuthToken.builder().userName("a").refreshToken("RT-SECRET-77").build());
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("b").refreshToken("RT-SECRET-77").build()))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> {
            assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.DUPLICATE_TOKEN);
            assertThat(e.getMessage()).doesNotContain("RT-SECRET-77");
          });
      assertThat(store.getTokens()).hasSize(1);
      // The failed save rolled back and released the write lock: other saves go on.
      store.saveToken(OAuthToken.builder().userName("c").refreshToken("other").build());
      ZohoDb.insertRow(db, "100", "d", "", "", "x", "", "", "", "", "");
      assertThat(store.getTokens()).hasSize(3);
    }
  }

  @Test
  void aFailedSaveOnTheSingleMemoryConnectionLeavesItUsable() {
    try (JdbcTokenStore store = JdbcTokenStore.sqliteInMemory()) {
      store.saveToken(OAuthToken.builder().userName("u").clientId("c").refreshToken("r").build());
      OAuthToken b = store.saveToken(OAuthToken.builder().userName("u").clientId("d").refreshToken("r2").build());
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().id(b.id()).clientId("c").build()))
            .isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("nobody").build()))
            .isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      }
      assertThat(store.saveToken(OAuthToken.builder().userName("w").accessToken("a").build()).id()).isEqualTo("3");
      assertThat(store.getTokens()).hasSize(3);
    }
  }

  @Test
  void customTableAndUserDataSource() throws Exception {
    Path db = dir.resolve("custom.db");
    SQLiteDataSource ds = new SQLiteDataSource();
    ds.setUrl("jdbc:sqlite:" + db);
    try (JdbcTokenStore a = JdbcTokenStore.builder().dataSource(ds).dialect(SqlDialect.sqlite())
            .table("tokens_a").build();
        JdbcTokenStore b = JdbcTokenStore.builder().dataSource(ds).dialect(SqlDialect.sqlite())
            .table("tokens_b").build()) {
      a.saveToken(OAuthToken.builder().userName("u").refreshToken("ra").build());
      b.saveToken(OAuthToken.builder().userName("u").refreshToken("rb").build());
      b.deleteTokens();
      assertThat(a.getTokens()).extracting(OAuthToken::refreshToken).containsExactly("ra");
      assertThat(b.getTokens()).isEmpty();
      assertThat(a.toString()).contains("tokens_a").contains("SQLiteDataSource").doesNotContain("ra");
    }
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM tokenstore_schema")).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1abc", "a-b", "oauth token", "x;drop", "t\"", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
  void badTableNamesAreRejected(String name) {
    assertThatThrownBy(() -> JdbcTokenStore.builder().table(name))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void closeIsIdempotentAndLaterCallsFailWithStoreClosed() {
    JdbcTokenStore store = JdbcTokenStore.sqlite(dir.resolve("c.db"));
    store.saveToken(OAuthToken.builder().userName("u").accessToken("SECRET-ACCESS").build());
    String shown = store.toString();
    store.close();
    store.close();
    assertThat(shown).contains("c.db").doesNotContain("SECRET");
    assertThatThrownBy(store::getTokens)
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_CLOSED));
    assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("u").accessToken("a").build()))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_CLOSED));
    try (JdbcTokenStore again = JdbcTokenStore.sqlite(dir.resolve("c.db"))) {
      assertThat(again.getTokens()).hasSize(1);
    }
  }

  @Test
  void createdFilesAreOwnerOnly() throws Exception {
    Path db = dir.resolve("new/sub/tokens.db");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
      Set<String> seen = new HashSet<>();
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        Path f = db.resolveSibling(db.getFileName() + suffix);
        if (Files.exists(f)) {
          seen.add(suffix);
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
              .isEqualTo("rw-------");
        }
      }
      assertThat(seen).contains("", "-wal", "-shm"); // WAL mode is on
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent())))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent().getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void aFileThatIsNotSqliteIsAClearError() throws Exception {
    Path f = dir.resolve("notes.db");
    Files.writeString(f, "id,user_name\n1,someone@example.com\n".repeat(100));
    assertThatThrownBy(() -> JdbcTokenStore.sqlite(f))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.CORRUPT_STORE);
          assertThat(e.getMessage()).contains("notes.db").contains("not a readable SQLite database");
        });
  }

  @Test
  void aDamagedDatabaseIsCorruptStore() throws Exception {
    Path db = dir.resolve("damaged.db");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      for (int i = 0; i < 200; i++) {
        store.saveToken(OAuthToken.builder().userName("u" + i).refreshToken("r".repeat(200)).build());
      }
    }
    // Keep the header page, overwrite the rest with garbage.
    byte[] bytes = Files.readAllBytes(db);
    for (int i = 4096; i < bytes.length; i++) {
      bytes[i] = (byte) 0x5A;
    }
    Files.write(db, bytes);
    StoreException e = null;
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      store.getTokens();
    } catch (StoreException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
    assertThat(e.getMessage()).contains("damaged.db");
  }

  @Test
  void anUnwritableLocationIsStoreUnavailable() throws Exception {
    Path blocker = dir.resolve("file");
    Files.writeString(blocker, "x");
    assertThatThrownBy(() -> JdbcTokenStore.sqlite(blocker.resolve("sub/t.db")))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
          assertThat(e.getMessage()).contains("t.db");
        });
  }

  /**
   * Rows another program wrote (non-numeric ids, "010" beside "10", a decimal expiry_time, empty strings for nulls):
   * pages visit each once, numeric ids first by number, and the counts read the rows SQL cannot judge.
   */
  @Test
  void pagesAndCountsOverRowsAnotherProgramWrote() throws Exception {
    Path db = dir.resolve("other.db");
    JdbcTokenStore.sqlite(db).close();
    long future = Instant.now().plusSeconds(7200).toEpochMilli();
    String[][] rows = {
        {"10", "ten", "r10", "a10", Long.toString(future)},
        {"010", "zero-ten", "r010", "a010", Long.toString(future)},
        {"9", "nine", "r9", "a9", future + ".0"},
        {"abc", "letters", "rabc", "", ""},
        {"12abc", "mixed", "", "a12", "1000"},
        {"2", "two", "", "", ""}};
    for (String[] r : rows) {
      ZohoDb.insertRow(db, r[0], r[1], "1000.C", "", r[2], r[3], "", r[4], "", "");
    }
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      TokenPages pages = store.capability(TokenPages.class).orElseThrow();
      List<String> ids = new ArrayList<>();
      String after = null;
      for (int i = 0; i < 10; i++) {
        List<OAuthToken> page = pages.page(TokenPages.Filter.ALL, after, 2, Instant.now());
        page.forEach(t -> ids.add(t.id()));
        if (page.size() < 2) {
          break;
        }
        after = page.get(1).id();
      }
      assertThat(ids).containsExactly("2", "9", "010", "10", "12abc", "abc");
      assertThat(ids).containsExactlyElementsOf(store.getTokens().stream().map(OAuthToken::id).toList());
      assertThat(pages.countByStatus(TokenPages.Filter.ALL, Instant.now()))
          .isEqualTo(TokenPages.countOf(store.getTokens(), TokenPages.Filter.ALL, Instant.now()))
          .containsEntry(TokenStatus.VALID, 3L).containsEntry(TokenStatus.EXPIRED, 1L)
          .containsEntry(TokenStatus.REAUTHORIZATION_REQUIRED, 2L);
      assertThat(pages.page(new TokenPages.Filter(null, null, null, TokenStatus.VALID), null, 10, Instant.now()))
          .extracting(OAuthToken::id).containsExactly("9", "010", "10");
    }
  }

  /** A page is read in id order from the (numeric id, id) index: no scan, no sort. */
  @Test
  void pagesUseTheIdIndex() throws Exception {
    Path db = dir.resolve("plan.db");
    JdbcTokenStore.sqlite(db).close();
    SqliteDialect d = SqliteDialect.INSTANCE;
    String num = d.idNumberSql(3);
    StringBuilder plan = new StringBuilder();
    try (Connection c = ZohoDb.connect(db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT * FROM oauthtoken WHERE " + d.idIsNumberSql(3)
            + " AND " + num + " >= 5 AND (" + num + " > 5 OR id > '5') ORDER BY " + num + ", id LIMIT 10")) {
      while (rs.next()) {
        plan.append(rs.getString("detail")).append('\n');
      }
    }
    assertThat(plan.toString()).contains("USING INDEX oauthtoken_id_page_idx").doesNotContain("TEMP B-TREE");
  }
}
