package dev.tokenstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What differs between SQL engines for {@link JdbcTokenStore}: quoting, the schema and its migrations, the
 * upsert statement, id generation, the write lock, the table of entries and its statements, and how driver errors
 * are read. Everything else (the
 * matching rules as {@code WHERE} clauses, merging, duplicate checks, error messages) is shared.
 *
 * <p>Built in: {@link SqliteDialect}, {@link MySqlDialect} (MySQL 8, MariaDB 10.11 and later) and
 * {@link PostgresDialect}. A dialect for another engine (MySQL/MariaDB, PostgreSQL) implements the
 * abstract methods and overrides the defaults where its engine needs. Every method receives table names that
 * {@link JdbcTokenStore} has already validated as plain identifiers ({@code [A-Za-z_][A-Za-z0-9_]{0,63}}); a
 * dialect must still pass them through {@link #quote(String)} when it builds SQL.
 *
 * <h2>The write protocol</h2>
 * A save runs {@link #beginWrite}, then reads the matching record, merges, picks a new id with
 * {@link #nextIdSql} when needed, writes with {@link #upsertSql}, and ends with {@link #commit} (or
 * {@link #rollback}). {@link #beginWrite} must make saves to one table mutually exclusive across connections
 * and processes (SQLite: {@code BEGIN IMMEDIATE}; a server engine: e.g. a {@code SELECT ... FOR UPDATE} on the
 * table's row in {@value JdbcTokenStore#SCHEMA_TABLE}, or an advisory lock), so the read-merge-write and the
 * new id never race.
 *
 * <p>Implementations must be thread-safe (they are shared by all of a store's threads); stateless is best.
 */
public interface SqlDialect {

  /** The SQLite dialect. */
  static SqlDialect sqlite() {
    return SqliteDialect.INSTANCE;
  }

  /** The MySQL / MariaDB dialect. */
  static SqlDialect mysql() {
    return MySqlDialect.INSTANCE;
  }

  /** The PostgreSQL dialect. */
  static SqlDialect postgres() {
    return PostgresDialect.INSTANCE;
  }

  /** A short name for messages and {@code toString}, e.g. {@code "sqlite"}. */
  String name();

  /** {@code identifier} quoted for this engine (it is already validated: letters, digits, underscores). */
  String quote(String identifier);

  /**
   * The schema steps of a token table named {@code table}, in ascending version order starting at 1. Step 1
   * creates Zoho's table when missing (exactly Zoho's ten columns) and the lookup indexes.
   */
  List<SchemaMigration> migrations(String table);

  /**
   * Statements run on every open after the migrations, each on its own; a failure is logged as a warning and
   * the open continues. Used for the unique index on (user name, client id, API domain), which a table
   * written by Zoho's SDKs may violate; the store also checks uniqueness itself, so duplicates are still never
   * written.
   */
  List<String> bestEffortStatements(String table);

  /**
   * Creates the {@value JdbcTokenStore#SCHEMA_TABLE} table when missing: {@code table_name} key and {@code version}.
   * The default is plain SQL; override for engine options (e.g. a character set).
   */
  default String createSchemaTableSql() {
    return "CREATE TABLE IF NOT EXISTS " + quote(JdbcTokenStore.SCHEMA_TABLE)
        + " (table_name varchar(64) NOT NULL PRIMARY KEY, version integer NOT NULL)";
  }

  /**
   * Sets the version of {@code table_name} (parameter 1) to {@code version} (parameter 2) in the schema table:
   * insert or update. The default uses {@code INSERT ... ON CONFLICT} (SQLite, PostgreSQL).
   */
  default String upsertSchemaVersionSql() {
    return "INSERT INTO " + quote(JdbcTokenStore.SCHEMA_TABLE) + " (table_name, version) VALUES (?, ?) "
        + "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version";
  }

  /**
   * Creates the table {@code tokenstore_entry} of the stores' entry tables ({@code spi.EntryTable}) when missing:
   * {@code kind} (at most 64 ASCII characters), {@code name} (at most 200 characters, compared exactly: no case
   * folding, no padding, no normalization), {@code value} (text of up to 65,536 characters), primary key
   * {@code (kind, name)}. The default is plain SQL ({@code varchar} and {@code text}; SQLite, PostgreSQL); override
   * for engine options.
   */
  default String createEntryTableSql() {
    return "CREATE TABLE IF NOT EXISTS " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind varchar(64) NOT NULL, "
        + "name varchar(200) NOT NULL, value text NOT NULL, PRIMARY KEY (kind, name))";
  }

  /**
   * Inserts the entry (kind, name, value: parameters 1 to 3) unless the row exists, in one statement: it updates one
   * row when it inserted, none when the row existed, or fails with a unique violation ({@link #classify}) when the
   * row existed and the engine has no way to skip it. The default is {@code INSERT ... ON CONFLICT (kind, name) DO
   * NOTHING} (SQLite, PostgreSQL).
   */
  default String insertEntrySql() {
    return "INSERT INTO " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind, name, value) VALUES (?, ?, ?) "
        + "ON CONFLICT (kind, name) DO NOTHING";
  }

  /**
   * Inserts the entry (kind, name, value: parameters 1 to 3) or replaces the value of the existing row, in one
   * statement. The default is {@code INSERT ... ON CONFLICT (kind, name) DO UPDATE} (SQLite, PostgreSQL).
   */
  default String upsertEntrySql() {
    return "INSERT INTO " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind, name, value) VALUES (?, ?, ?) "
        + "ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value";
  }

  /**
   * Writes one token by id: parameters 1..10 are Zoho's ten columns in order ({@link JdbcTokenStore#COLUMNS});
   * inserts the row or, when the id exists, updates the other nine columns. Runs inside the write transaction.
   * The default uses {@code INSERT ... ON CONFLICT (id) DO UPDATE} (SQLite, PostgreSQL).
   */
  default String upsertSql(String table) {
    List<String> columns = JdbcTokenStore.COLUMNS;
    StringBuilder sb = new StringBuilder("INSERT INTO ").append(quote(table)).append(" (")
        .append(String.join(", ", columns)).append(") VALUES (?");
    sb.append(", ?".repeat(columns.size() - 1)).append(") ON CONFLICT (id) DO UPDATE SET ");
    for (int i = 1; i < columns.size(); i++) {
      sb.append(i > 1 ? ", " : "").append(columns.get(i)).append(" = excluded.").append(columns.get(i));
    }
    return sb.toString();
  }

  /**
   * A query whose single row and column is the largest numeric id in {@code table} (as an integer or text), or
   * SQL NULL when there is none. It should use an index, so that a new id costs O(log n).
   */
  String nextIdSql(String table);

  /**
   * {@link #nextIdSql(String)} for a table at schema version {@code schemaVersion} (0 for a table no migration
   * has touched, e.g. Zoho's own table opened with {@code createSchema(false)}). The default ignores the version;
   * a dialect whose fast query needs a column that a migration adds overrides it.
   */
  default String nextIdSql(String table, int schemaVersion) {
    return nextIdSql(table);
  }

  /** What kind of failure {@code e} is. */
  Failure classify(SQLException e);

  /**
   * Starts the transaction of a save or migration on {@code table} and takes the write lock (see the class
   * comment). The default turns auto-commit off; engines with row locks override it to lock as well.
   */
  default void beginWrite(Connection c, String table) throws SQLException {
    c.setAutoCommit(false);
  }

  /**
   * Whether {@code table} exists. The default probes it with a query and treats any failure that is not
   * {@link Failure#CORRUPT} as "missing"; engines whose failed statements abort the surrounding transaction
   * (PostgreSQL) override it with a catalog query.
   */
  default boolean tableExists(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT * FROM " + quote(table) + " WHERE 1 = 0")) {
      rs.next();
      return true;
    } catch (SQLException e) {
      if (classify(e) == Failure.CORRUPT) {
        throw e;
      }
      return false;
    }
  }

  /**
   * Whether {@code e}, thrown by a schema statement, only says that what the statement creates already exists
   * (e.g. MySQL's "duplicate key name", where {@code IF NOT EXISTS} is not available). The store then goes on
   * as if the statement had succeeded. Only for engines whose failed statements do not abort the transaction.
   * The default is false.
   */
  default boolean alreadyExists(SQLException e) {
    return false;
  }

  /** Commits what {@link #beginWrite} started and returns the connection to auto-commit. */
  default void commit(Connection c) throws SQLException {
    c.commit();
    c.setAutoCommit(true);
  }

  /** Rolls back what {@link #beginWrite} started and returns the connection to auto-commit. */
  default void rollback(Connection c) throws SQLException {
    try {
      c.rollback();
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * Commits what {@link #beginWrite beginWrite(c, table)} started and releases its lock. This is what
   * {@link JdbcTokenStore} calls; the default is {@link #commit(Connection)}. Dialects whose lock outlives the
   * transaction (a named lock) override this one.
   */
  default void commit(Connection c, String table) throws SQLException {
    commit(c);
  }

  /**
   * Rolls back what {@link #beginWrite beginWrite(c, table)} started and releases its lock; see
   * {@link #commit(Connection, String)}.
   */
  default void rollback(Connection c, String table) throws SQLException {
    rollback(c);
  }

  /** Runs {@code sql} on {@code c}. A helper for dialects. */
  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * An SQL expression for the database's current time in epoch milliseconds, as an integer, used by the refresh
   * leases so that every process measures them on one clock; or null to use each client's clock (a bound
   * parameter). The default is null.
   */
  default @org.jspecify.annotations.Nullable String currentTimeMillisSql() {
    return null;
  }

  /**
   * For paging ({@link dev.tokenstore.oauth.TokenPages}): an expression over the columns of a table at
   * {@code schemaVersion} whose value is the id as a number for every id that {@link #idIsNumberSql} accepts,
   * usable in {@code ORDER BY} and range conditions, ideally the first column of an index whose second is
   * {@code id}. Null (the default): the dialect has none, and the store pages by reading every row.
   */
  default @org.jspecify.annotations.Nullable String idNumberSql(int schemaVersion) {
    return null;
  }

  /** For paging: a condition true exactly for the ids of 1 to 18 ASCII digits. Needed with {@link #idNumberSql}. */
  default String idIsNumberSql(int schemaVersion) {
    throw new UnsupportedOperationException("no paging in dialect " + name());
  }

  /**
   * For paging: an expression that is the integer in the text {@code column} when it holds 1 to 18 ASCII digits and
   * nothing else, and NULL otherwise (a value the store then reads and judges itself). Needed with
   * {@link #idNumberSql}.
   */
  default String digitsAsIntegerSql(String column) {
    throw new UnsupportedOperationException("no paging in dialect " + name());
  }

  /** {@code expression} (text) compared and ordered by its characters' code points. The default is as it is. */
  default String binaryTextSql(String expression) {
    return expression;
  }

  /**
   * {@code expression} (text) with the ASCII letters {@code A-Z} made lower case and every other character kept,
   * as {@code TokenPages.Filter.asciiLower}. The default nests one {@code REPLACE} per letter.
   */
  default String asciiLowerSql(String expression) {
    String out = expression;
    for (char c = 'A'; c <= 'Z'; c++) {
      out = "REPLACE(" + out + ", '" + c + "', '" + Character.toLowerCase(c) + "')";
    }
    return out;
  }

  /** Kinds of driver failures, which the store turns into error codes. */
  enum Failure {
    /** A unique or primary-key constraint was violated: a {@code DUPLICATE_TOKEN}. */
    UNIQUE_VIOLATION,
    /** The data is not readable: a damaged or foreign file. {@code CORRUPT_STORE}. */
    CORRUPT,
    /** Anything else: I/O, locks held too long, server down, permissions. {@code STORE_UNAVAILABLE}. */
    UNAVAILABLE
  }
}
