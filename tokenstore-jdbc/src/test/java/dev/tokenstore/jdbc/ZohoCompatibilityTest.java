package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A zohooauth.db made with the seed's DDL and holding rows in Zoho's layout opens, reads and updates. */
class ZohoCompatibilityTest {
  @TempDir Path dir;

  private static final long EXPIRY = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private Path zohoDb() throws Exception {
    Path db = dir.resolve("zohooauth.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    for (int i = 1; i <= 12; i++) {
      // Zoho writes empty strings for missing values; grant tokens are used up, so empty.
      ZohoDb.insertRow(db, String.valueOf(i), "user" + i + "@example.com", "1000.CLIENT", "secret" + i,
          "1000.refresh" + i, i % 3 == 0 ? "" : "1000.access" + i, "", i % 4 == 0 ? "" : String.valueOf(EXPIRY + i),
          "https://example.com/callback", "https://www.zohoapis.com");
    }
    return db;
  }

  @Test
  void seedDatabaseOpensReadsAndUpdatesInPlace() throws Exception {
    Path db = zohoDb();
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      List<OAuthToken> all = store.getTokens();
      assertThat(all).extracting(OAuthToken::id)
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
    }
    // Zoho's reader (select * by position) sees our writes in its layout; we write SQL NULL for no value,
    // which Zoho's SDKs read as null just like an empty string.
    // Zoho's ten columns first, in Zoho's order; the issue time (schema version 2) after them.
    assertThat(ZohoDb.columns(db, "oauthtoken")).containsExactly("id", "user_name", "client_id", "client_secret",
        "refresh_token", "access_token", "grant_token", "expiry_time", "redirect_url", "api_domain", "issued_at");
    assertThat(ZohoDb.rowByPosition(db, "3")).containsExactly("3", "user3@example.com", "1000.CLIENT", "secret3",
        "1000.refresh3", "1000.newaccess", null, String.valueOf(EXPIRY + 3_600_000), "https://example.com/callback",
        "https://www.zohoapis.com");
    List<String> added = ZohoDb.rowByPosition(db, "13");
    assertThat(added.get(1)).isEqualTo("new@example.com");
    assertThat(added.get(7)).isNull();
    // Schema version recorded; indexes created.
    assertThat(ZohoDb.count(db, "SELECT version FROM tokenstore_schema WHERE table_name = 'oauthtoken'"))
        .isEqualTo(3);
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        + "'oauthtoken' AND name LIKE 'oauthtoken_%'")).isEqualTo(7);
  }

  @Test
  void reopeningDoesNotChangeTheSchemaAgain() throws Exception {
    Path db = zohoDb();
    JdbcTokenStore.sqlite(db).close();
    String schema1 = schemaText(db);
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.getTokens()).hasSize(12);
    }
    assertThat(schemaText(db)).isEqualTo(schema1);
  }

  @Test
  void existingDuplicatesDoNotFailTheOpenAndNoNewDuplicateIsWritten() throws Exception {
    Path db = dir.resolve("dups.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    ZohoDb.insertRow(db, "1", "dup@example.com", "", "", "r1", "", "", "", "", "");
    ZohoDb.insertRow(db, "2", "dup@example.com", "", "", "r2", "", "", "", "", "");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.getTokens()).hasSize(2);
      assertThatThrownBy(() -> store.findToken(OAuthToken.builder().userName("dup@example.com").build()))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.AMBIGUOUS_MATCH);
      // Saving record 2 by id keeps working; making a third record of that user is refused.
      assertThat(store.saveToken(OAuthToken.builder().id("2").accessToken("a2").build()).userName())
          .isEqualTo("dup@example.com");
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().id("3").userName("dup@example.com")
          .refreshToken("r3").build()))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.DUPLICATE_TOKEN);
    }
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM oauthtoken")).isEqualTo(2);
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'oauthtoken_user_key_uq'"))
        .isZero();
  }

  @Test
  void malformedExpiryIsCorruptStoreNamingTheIdNotTheValue() throws Exception {
    Path db = dir.resolve("bad.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    ZohoDb.insertRow(db, "7", "u@example.com", "", "", "r", "", "", "soon-ish-XYZZY", "", "");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThatThrownBy(() -> store.findTokenById("7"))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> {
            assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.CORRUPT_STORE);
            assertThat(e.getMessage()).contains("id 7").contains("bad.db").doesNotContain("XYZZY");
          });
    }
  }

  @Test
  void decimalExpiryFromOtherWritersIsRead() throws Exception {
    Path db = dir.resolve("dec.db");
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    ZohoDb.insertRow(db, "1", "u@example.com", "", "", "r", "", "", EXPIRY + ".0", "", "");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.findTokenById("1").orElseThrow().expiresAt()).isEqualTo(Instant.ofEpochMilli(EXPIRY));
    }
  }

  @Test
  void aTableWithOtherColumnsIsRefused() throws Exception {
    Path db = dir.resolve("other.db");
    ZohoDb.exec(db, "CREATE TABLE oauthtoken (id integer primary key, name text)");
    assertThatThrownBy(() -> JdbcTokenStore.sqlite(db))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.CORRUPT_STORE);
          assertThat(e.getMessage()).contains("other.db").contains("columns");
        });
  }

  @Test
  void withoutCreateSchemaAMissingTableIsAClearError() throws Exception {
    Path db = dir.resolve("empty.db");
    assertThatThrownBy(() -> JdbcTokenStore.builder().sqliteFile(db).createSchema(false).build())
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
          assertThat(e.getMessage()).contains("does not exist").contains("createSchema");
        });
    ZohoDb.exec(db, ZohoDb.SEED_DDL);
    try (JdbcTokenStore store = JdbcTokenStore.builder().sqliteFile(db).createSchema(false).build()) {
      store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
      assertThat(store.getTokens()).hasSize(1);
    }
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'tokenstore_schema'")).isZero();
  }

  @Test
  void aZohoMadeTableGetsTheIssueTimeColumnAndZohosRowsAndInsertsKeepWorking() throws Exception {
    Path db = zohoDb();
    Instant issued = Instant.ofEpochMilli(EXPIRY - 30_000);
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.findTokenById("1").orElseThrow().issuedAt()).as("Zoho's rows have none").isNull();
      OAuthToken saved = store.saveToken(OAuthToken.builder().id("1").accessToken("1000.fresh")
          .expiresAt(Instant.ofEpochMilli(EXPIRY)).issuedAt(issued).build());
      assertThat(saved.issuedAt()).isEqualTo(issued);
    }
    // Zoho's SDK inserts with its column list and reads by position 1..10: the extra column is left NULL.
    ZohoDb.insertRow(db, "13", "zoho@example.com", "1000.CLIENT", "s", "1000.refresh13", "", "", "", "", "");
    assertThat(ZohoDb.rowByPosition(db, "1").get(5)).isEqualTo("1000.fresh");
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      assertThat(store.findTokenById("1").orElseThrow().issuedAt()).isEqualTo(issued);
      assertThat(store.findTokenById("13").orElseThrow().issuedAt()).isNull();
    }
  }

  @Test
  void withoutCreateSchemaZohosTableIsUsedAsItIsWithoutIssueTimes() throws Exception {
    Path db = zohoDb();
    try (JdbcTokenStore store = JdbcTokenStore.builder().sqliteFile(db).createSchema(false).build()) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().id("2").accessToken("1000.fresh")
          .expiresAt(Instant.ofEpochMilli(EXPIRY)).issuedAt(Instant.ofEpochMilli(EXPIRY - 30_000)).build());
      assertThat(saved.accessToken()).isEqualTo("1000.fresh");
      assertThat(store.findTokenById("2").orElseThrow().issuedAt()).as("no column to keep it in").isNull();
    }
    assertThat(ZohoDb.columns(db, "oauthtoken")).doesNotContain("issued_at");
  }

  private static String schemaText(Path db) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (var c = ZohoDb.connect(db); var s = c.createStatement();
        var rs = s.executeQuery("SELECT type, name, sql FROM sqlite_master ORDER BY name")) {
      while (rs.next()) {
        sb.append(rs.getString(1)).append(' ').append(rs.getString(2)).append(' ').append(rs.getString(3))
            .append('\n');
      }
    }
    return sb.toString();
  }
}
