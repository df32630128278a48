package dev.tokenstore.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL (11 and later).
 *
 * <p><b>Schema.</b> Version 1 is Zoho's DDL, column for column, for a table that does not exist yet. Version 2
 * (applied to Zoho-made tables too) turns the eight token and text columns into {@code text} (Zoho's
 * {@code varchar(255)} is too short for long tokens; same columns, same order, same values, so Zoho-style
 * readers keep working), and adds indexes: hash indexes on the four lookup columns (equality is all the
 * matching rules need, and unlike B-tree entries, which must stay under about 2.7 kB, a hash index takes values
 * of any length), and a B-tree on the id as a number when it is one, which {@link #nextIdSql} reads backwards,
 * so a new id costs O(log n). The unique index on (user name, client id, API domain), over MD5s of the three
 * values with {@code NULL} and {@code ''} alike, is a best-effort statement: a legacy table that already holds
 * duplicates opens without it (the store still refuses new duplicates itself). Every schema statement runs in
 * one transaction, so a migration is all or nothing.
 *
 * <p>Table names are quoted, so they are case-sensitive: a table created unquoted as {@code OAuthToken} is named
 * {@code oauthtoken}.
 *
 * <p><b>Writes.</b> {@link #beginWrite} starts a transaction and takes a transaction-scoped advisory lock
 * ({@code pg_advisory_xact_lock}) keyed by database, schema and table, waiting at most
 * {@value #LOCK_WAIT_SECONDS} s; in read-committed mode every statement after it sees all saves committed
 * before. The lock ends with the transaction. Upserts are {@code INSERT ... ON CONFLICT (id) DO UPDATE}.
 *
 * <p><b>Failures.</b> SQL state class 23 (unique violation 23505) maps to a unique violation; everything else
 * (connection failures, class 08, lock timeouts 55P03) means the store is unavailable.
 *
 * <p>Stateless and thread-safe.
 */
public final class PostgresDialect implements SqlDialect {
  /** The only instance. */
  public static final PostgresDialect INSTANCE = new PostgresDialect();

  /** How long a save waits for another writer's lock before it fails with {@code STORE_UNAVAILABLE}. */
  public static final int LOCK_WAIT_SECONDS = 10;

  /** First half of the advisory lock key: "toks" in ASCII, so our locks do not collide with other users'. */
  private static final int LOCK_CLASS = 0x746f6b73;

  private static final List<String> WIDENED = List.of(
      "user_name", "client_id", "client_secret", "refresh_token", "access_token", "grant_token", "redirect_url",
      "api_domain");
  private static final String ID_NUM = "(CASE WHEN id ~ '^[0-9]{1,18}$' THEN CAST(id AS bigint) END)";

  private PostgresDialect() {}

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public String quote(String identifier) {
    return '"' + identifier + '"';
  }

  @Override
  public List<SchemaMigration> migrations(String table) {
    String t = quote(table);
    List<String> alter = new ArrayList<>();
    for (String c : WIDENED) {
      alter.add("ALTER COLUMN " + c + " TYPE text");
    }
    return List.of(
        new SchemaMigration(1, "Zoho's oauthtoken table, created when missing",
            List.of("CREATE TABLE IF NOT EXISTS " + t + " (id varchar(10) NOT NULL, user_name varchar(255), "
                + "client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), "
                + "access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), "
                + "redirect_url varchar(255), api_domain varchar(255), primary key (id))")),
        new SchemaMigration(2, "text token columns, lookup indexes, numeric-id index",
            List.of(
                "ALTER TABLE " + t + " " + String.join(", ", alter),
                index(table, "user_name_idx", "USING hash (user_name)"),
                index(table, "access_token_idx", "USING hash (access_token)"),
                index(table, "grant_token_idx", "USING hash (grant_token)"),
                index(table, "refresh_token_idx", "USING hash (refresh_token)"),
                index(table, "id_num_idx", "(" + ID_NUM + ")"))),
        new SchemaMigration(3, "issued_at: when the access token was issued (epoch ms), after Zoho's ten columns",
            List.of("ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS issued_at bigint")),
        new SchemaMigration(4, "an index on (numeric id, id) for pages in id order",
            List.of(index(table, "id_page_idx", "(" + ID_NUM + ", id)"))));
  }

  @Override
  public List<String> bestEffortStatements(String table) {
    return List.of("CREATE UNIQUE INDEX IF NOT EXISTS " + quote(Identifiers.derived(table, "user_key_uq")) + " ON "
        + quote(table)        + " (md5(user_name), md5(coalesce(client_id, '')), md5(coalesce(api_domain, ''))) "
        + "WHERE user_name IS NOT NULL AND user_name <> ''");
  }

  @Override
  public String nextIdSql(String table) {
    return "SELECT MAX" + ID_NUM + " FROM " + quote(table);
  }

  @Override
  public Failure classify(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        if (state != null && (state.equals("23505") || state.equals("23P01"))) {
          return Failure.UNIQUE_VIOLATION;
        }
      }
    }
    return Failure.UNAVAILABLE;
  }

  @Override
  public boolean tableExists(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, quote(table));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @Override
  public void beginWrite(Connection c, String table) throws SQLException {
    c.setAutoCommit(false);
    try {
      SqlDialect.execute(c, "SET LOCAL lock_timeout = '" + LOCK_WAIT_SECONDS + "s'");
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, "
          + "hashtext(current_database() || '.' || coalesce(current_schema(), '') || '.' || ?))")) {
        ps.setInt(1, LOCK_CLASS);
        ps.setString(2, table);
        ps.executeQuery().close();
      }
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
        c.setAutoCommit(true);
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The database's clock: {@code CAST(EXTRACT(EPOCH FROM clock_timestamp()) &#42; 1000 AS BIGINT)}. */
  @Override
  public String currentTimeMillisSql() {
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }

  @Override
  public String idNumberSql(int schemaVersion) {
    return ID_NUM;
  }

  @Override
  public String idIsNumberSql(int schemaVersion) {
    return "(" + ID_NUM + " IS NOT NULL)";
  }

  @Override
  public String digitsAsIntegerSql(String column) {
    return "(CASE WHEN " + column + " ~ '^[0-9]{1,18}$' THEN CAST(" + column + " AS bigint) END)";
  }

  @Override
  public String binaryTextSql(String expression) {
    return "(" + expression + " COLLATE \"C\")";
  }

  /** {@code translate} replaces the 26 letters in one pass, exactly (unlike {@code lower}, which follows the locale). */
  @Override
  public String asciiLowerSql(String expression) {
    return "translate(" + expression + ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
  }

  @Override
  public String toString() {
    return "PostgresDialect";
  }

  private String index(String table, String suffix, String definition) {
    return "CREATE INDEX IF NOT EXISTS " + quote(Identifiers.derived(table, suffix)) + " ON " + quote(table) + " "
        + definition;
  }
}
