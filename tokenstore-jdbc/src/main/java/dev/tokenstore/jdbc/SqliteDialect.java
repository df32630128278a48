package dev.tokenstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite: Zoho's table as the seed's sample creates it, an expression index on {@code CAST(id AS INTEGER)} for
 * new ids, {@code ON CONFLICT} upserts, and {@code BEGIN IMMEDIATE} as the write lock (it takes SQLite's one
 * write lock at once, across connections and processes; waiting is bounded by the connection's
 * {@code busy_timeout}).
 *
 * <p>Transactions are begun and ended with explicit statements on a connection left in auto-commit mode,
 * because sqlite-jdbc begins a new transaction right after every {@code commit()} while auto-commit is off,
 * which would hold the write lock between saves. This also makes the dialect independent of the transaction
 * mode of a user's own {@code DataSource}.
 *
 * <p>Stateless and thread-safe.
 */
public final class SqliteDialect implements SqlDialect {
  /** The only instance. */
  public static final SqliteDialect INSTANCE = new SqliteDialect();

  /** The id as an integer (0 for text that does not start with digits), as the index on it holds it. */
  private static final String ID_NUM = "CAST(id AS INTEGER)";

  private SqliteDialect() {}

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public String quote(String identifier) {
    return '"' + identifier + '"';
  }

  @Override
  public List<SchemaMigration> migrations(String table) {
    String t = quote(table);
    return List.of(new SchemaMigration(
        1,
        "Zoho's oauthtoken table (created when missing) and indexes for every lookup",
        List.of(
            // The seed's DDL, column for column: a zohooauth.db made by the seed's sample has this table.
            "CREATE TABLE IF NOT EXISTS " + t + " (id varchar(10) NOT NULL, user_name varchar(255), "
                + "client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), "
                + "access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), "
                + "redirect_url varchar(255), api_domain varchar(255), primary key (id))",
            index(table, "user_name_idx", "user_name"),
            index(table, "access_token_idx", "access_token"),
            index(table, "grant_token_idx", "grant_token"),
            index(table, "refresh_token_idx", "refresh_token"),
            // MAX over this expression is answered from the index: new ids in O(log n).
            index(table, "id_num_idx", ID_NUM))),
        new SchemaMigration(2, "issued_at: when the access token was issued (epoch ms), after Zoho's ten columns",
            List.of("ALTER TABLE " + t + " ADD COLUMN issued_at bigint")),
        new SchemaMigration(3, "an index on (numeric id, id) for pages in id order",
            List.of(index(table, "id_page_idx", ID_NUM + ", id"))));
  }

  /** A column that is already there ({@code ALTER TABLE ... ADD COLUMN} has no {@code IF NOT EXISTS}). */
  @Override
  public boolean alreadyExists(SQLException e) {
    String m = e.getMessage();
    return m != null && m.contains("duplicate column name");
  }

  @Override
  public List<String> bestEffortStatements(String table) {
    // Empty strings are Zoho's nulls, so '' and NULL count as the same value here as everywhere else.
    return List.of("CREATE UNIQUE INDEX IF NOT EXISTS " + quote(table + "_user_key_uq") + " ON " + quote(table)
        + " (user_name, ifnull(client_id, ''), ifnull(api_domain, '')) "
        + "WHERE user_name IS NOT NULL AND user_name <> ''");
  }

  @Override
  public String nextIdSql(String table) {
    return "SELECT MAX(CAST(id AS INTEGER)) FROM " + quote(table);
  }

  @Override
  public Failure classify(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException) {
        SQLiteErrorCode code = ((SQLiteException) t).getResultCode();
        if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
          return Failure.UNIQUE_VIOLATION;
        }
        if (code == SQLiteErrorCode.SQLITE_NOTADB || code.name().startsWith("SQLITE_CORRUPT")) {
          return Failure.CORRUPT;
        }
      }
      if (t instanceof SQLException) {
        int primary = ((SQLException) t).getErrorCode() & 0xFF;
        if (primary == 11 || primary == 26) { // SQLITE_CORRUPT, SQLITE_NOTADB
          return Failure.CORRUPT;
        }
      }
    }
    return Failure.UNAVAILABLE;
  }

  @Override
  public void beginWrite(Connection c, String table) throws SQLException {
    SqlDialect.execute(c, "BEGIN IMMEDIATE");
  }

  @Override
  public void commit(Connection c) throws SQLException {
    SqlDialect.execute(c, "COMMIT");
  }

  @Override
  public void rollback(Connection c) throws SQLException {
    if (!c.isClosed()) {
      SqlDialect.execute(c, "ROLLBACK");
    }
  }

  /** The database's clock: {@code CAST(unixepoch('subsec') &#42; 1000 AS INTEGER)}. */
  /** The indexed expression; only ids that {@link #idIsNumberSql} accepts are read with it. */
  @Override
  public String idNumberSql(int schemaVersion) {
    return ID_NUM;
  }

  @Override
  public String idIsNumberSql(int schemaVersion) {
    return "(" + digitsOnly("id") + ")";
  }

  @Override
  public String digitsAsIntegerSql(String column) {
    return "(CASE WHEN " + digitsOnly(column) + " THEN CAST(" + column + " AS INTEGER) END)";
  }

  /** SQLite's {@code lower} changes the ASCII letters only (without the ICU extension, which the driver lacks). */
  @Override
  public String asciiLowerSql(String expression) {
    return "lower(" + expression + ")";
  }

  private static String digitsOnly(String column) {
    return column + " <> '' AND " + column + " NOT GLOB '*[^0-9]*' AND length(" + column + ") <= 18";
  }

  @Override
  public String currentTimeMillisSql() {
    return "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
  }

  @Override
  public String toString() {
    return "SqliteDialect";
  }

  private String index(String table, String suffix, String expression) {
    return "CREATE INDEX IF NOT EXISTS " + quote(table + "_" + suffix) + " ON " + quote(table) + " (" + expression
        + ")";
  }
}
