package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The schema's indexes serve the store's queries: each lookup column, and the next id (no scan over all ids, unlike
 * Zoho's {@code MAX(id)}). Checked with the engines' own EXPLAIN on tables we created.
 */
class ServerQueryPlanTest {

  private static TestDatabase filled(TestDatabase db) {
    try (TokenStore store = TokenStores.open(db.storeUri())) {
      for (int i = 0; i < 30; i++) {
        store.saveToken(OAuthToken.builder().userName("u" + i).refreshToken("r" + i).accessToken("a" + i).build());
      }
    }
    return db;
  }

  @Test
  void postgresqlUsesTheIndexes() throws Exception {
    TestDatabase db = filled(TestServers.postgres());
    try (Connection c = db.connect()) {
      try (Statement s = c.createStatement()) {
        s.execute("SET enable_seqscan = off"); // tiny table: make the planner show what it could use
      }
      PostgresDialect d = PostgresDialect.INSTANCE;
      for (String column : new String[] {"user_name", "access_token", "grant_token", "refresh_token"}) {
        assertThat(plan(c, "EXPLAIN SELECT * FROM oauthtoken WHERE " + column + " = 'x'"))
            .contains("oauthtoken_" + column + "_idx");
      }
      assertThat(plan(c, "EXPLAIN " + d.nextIdSql("oauthtoken"))).containsPattern("oauthtoken_id_(num|page)_idx");
      // a page of TokenPages: read in order from the (numeric id, id) index, no sort
      String num = d.idNumberSql(4);
      assertThat(plan(c, "EXPLAIN SELECT * FROM oauthtoken WHERE " + d.idIsNumberSql(4) + " AND " + num
          + " >= 5 AND (" + num + " > 5 OR id > '5') ORDER BY " + num + ", id LIMIT 10"))
          .contains("oauthtoken_id_page_idx").doesNotContain("Sort");
      assertThat(plan(c, "EXPLAIN SELECT * FROM oauthtoken WHERE id = '7'")).contains("oauthtoken_pkey");
    }
  }

  @Test
  void mariadbUsesTheIndexes() throws Exception {
    TestDatabase db = filled(TestServers.mariadb());
    try (Connection c = db.connect()) {
      for (String column : new String[] {"user_name", "access_token", "grant_token", "refresh_token"}) {
        assertThat(plan(c, "EXPLAIN SELECT * FROM oauthtoken WHERE " + column + " = 'x'"))
            .contains("oauthtoken_" + column + "_idx");
      }
      // MAX over an indexed column is read from the end of the index.
      assertThat(plan(c, "EXPLAIN " + MySqlDialect.INSTANCE.nextIdSql("oauthtoken", 2)))
          .contains("Select tables optimized away");
    }
  }

  private static String plan(Connection c, String sql) throws SQLException {
    StringBuilder sb = new StringBuilder();
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= n; i++) {
          sb.append(rs.getString(i)).append(' ');
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
