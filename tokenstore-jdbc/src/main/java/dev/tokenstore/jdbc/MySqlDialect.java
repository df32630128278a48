package dev.tokenstore.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * MySQL 8 and MariaDB 10.11 and later (Zoho's DBStore engine).
 *
 * <p><b>Schema.</b> Version 1 is Zoho's DDL, column for column, for a table that does not exist yet (created
 * with {@code utf8mb4} and the binary collation, so that any Unicode text is stored and lookups compare exactly,
 * as the matching rules do). Version 2 is one {@code ALTER TABLE} (atomic), applied to Zoho-made tables too:
 * <ul>
 *   <li>the eight token and text columns become {@code TEXT} ({@code utf8mb4}, binary collation): Zoho's
 *       {@code varchar(255)} is too short for long tokens; widening keeps Zoho's SDKs working (same columns,
 *       same order, same values);
 *   <li>two generated columns are appended after Zoho's ten (Zoho reads by position 1..10 and inserts with a
 *       column list, so they do not disturb it): {@code ts_id_num}, the id as a number when it is one (indexed,
 *       so a new id is {@code MAX(ts_id_num) + 1} in O(log n) — not Zoho's {@code MAX} over a varchar), and
 *       {@code ts_user_key}, a SHA-256 of (user name, client id, API domain) with {@code NULL} and {@code ''}
 *       alike, {@code NULL} when there is no user name;
 *   <li>prefix indexes (191 characters) on the four lookup columns ({@code TEXT} cannot be indexed whole).
 * </ul>
 * Version 3 appends {@code issued_at} ({@code BIGINT}, nullable): when the access token was issued, epoch ms.
 * The unique index on {@code ts_user_key} is a best-effort statement: a legacy table that already holds
 * duplicates opens without it (the store still refuses new duplicates itself).
 *
 * <p><b>Writes.</b> {@link #beginWrite} takes a named lock ({@code GET_LOCK}, waiting at most
 * {@value #LOCK_WAIT_SECONDS} s) per database and table before it starts the transaction, so saves from all
 * connections and processes take turns and every read in the transaction sees the latest committed rows; the
 * lock is released by {@link #commit} and {@link #rollback} (and by the server if the connection dies). A
 * named lock rather than a row lock because MySQL commits implicitly at every DDL statement, which would end
 * a row lock in the middle of a migration. Upserts are {@code INSERT ... ON DUPLICATE KEY UPDATE} that also
 * set {@code id}, so whatever unique key a concurrent foreign writer (e.g. Zoho's SDK) collides with, the row
 * written ends up with the id the store returns.
 *
 * <p><b>Failures.</b> SQL state class 23 and MySQL error 1062 are unique violations; everything else
 * (connection failures, class 08, lock waits) means the store is unavailable.
 *
 * <p>Stateless and thread-safe.
 */
public final class MySqlDialect implements SqlDialect {
  /** The only instance. */
  public static final MySqlDialect INSTANCE = new MySqlDialect();

  /** How long a save waits for another writer's lock before it fails with {@code STORE_UNAVAILABLE}. */
  public static final int LOCK_WAIT_SECONDS = 10;

  /** Characters of each lookup column that its index covers (191 x 4 bytes fits every row format). */
  static final int PREFIX = 191;

  private static final List<String> WIDENED = List.of(
      "user_name", "client_id", "client_secret", "refresh_token", "access_token", "grant_token", "redirect_url",
      "api_domain");
  private static final String LOCK_NAME = "CONCAT('tokenstore:', SHA1(CONCAT(IFNULL(DATABASE(), ''), '.', ?)))";

  /**
   * The id as a number when it is 1 to 18 digits, else NULL. "Only digits" is tested by deleting the ten digits
   * with REPLACE rather than with REGEXP, whose use in generated columns differs between MySQL and MariaDB
   * versions; the CAST only sees digit strings, so it never warns (strict mode would turn a warning into an error).
   */
  private static final String ID_NUM = "(CASE WHEN CHAR_LENGTH(id) BETWEEN 1 AND 18 AND " + digitsRemoved()
      + " = '' THEN CAST(id AS UNSIGNED) END)";

  private MySqlDialect() {}

  @Override
  public String name() {
    return "mysql";
  }

  @Override
  public String quote(String identifier) {
    return '`' + identifier + '`';
  }

  @Override
  public List<SchemaMigration> migrations(String table) {
    String t = quote(table);
    List<String> alter = new ArrayList<>();
    for (String c : WIDENED) {
      alter.add("MODIFY " + c + " TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL");
    }
    alter.add("ADD COLUMN ts_id_num BIGINT AS " + ID_NUM + " STORED");
    // Lengths prefix each part, so that no two different triples hash alike by shifting text between parts.
    alter.add("ADD COLUMN ts_user_key BINARY(32) AS (CASE WHEN user_name IS NULL OR CHAR_LENGTH(user_name) = 0 "
        + "THEN NULL ELSE UNHEX(SHA2(CONCAT(CHAR_LENGTH(user_name), ':', user_name, ':', "
        + "CHAR_LENGTH(IFNULL(client_id, '')), ':', IFNULL(client_id, ''), ':', IFNULL(api_domain, '')), 256)) END) "
        + "STORED");
    for (String c : List.of("user_name", "access_token", "grant_token", "refresh_token")) {
      alter.add("ADD INDEX " + quote(Identifiers.derived(table, c + "_idx")) + " (" + c + "(" + PREFIX + "))");
    }
    alter.add("ADD INDEX " + quote(Identifiers.derived(table, "id_num_idx")) + " (ts_id_num)");
    return List.of(
        new SchemaMigration(1, "Zoho's oauthtoken table, created when missing",
            List.of("CREATE TABLE IF NOT EXISTS " + t + " (id varchar(10) NOT NULL, user_name varchar(255), "
                + "client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), "
                + "access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), "
                + "redirect_url varchar(255), api_domain varchar(255), primary key (id)) "
                + "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")),
        new SchemaMigration(2, "TEXT token columns, numeric-id and user-key columns, lookup indexes",
            List.of("ALTER TABLE " + t + " " + String.join(", ", alter))),
        new SchemaMigration(3, "issued_at: when the access token was issued (epoch ms), after the other columns",
            List.of("ALTER TABLE " + t + " ADD COLUMN issued_at BIGINT NULL")),
        new SchemaMigration(4, "an index on (numeric id, id) for pages in id order",
            List.of("ALTER TABLE " + t + " ADD INDEX " + quote(Identifiers.derived(table, "id_page_idx"))
                + " (ts_id_num, id)")));
  }

  @Override
  public List<String> bestEffortStatements(String table) {
    return List.of("CREATE UNIQUE INDEX " + quote(Identifiers.derived(table, "user_key_uq")) + " ON "
        + quote(table) + " (ts_user_key)");
  }

  @Override
  public String createSchemaTableSql() {
    return "CREATE TABLE IF NOT EXISTS " + quote(JdbcTokenStore.SCHEMA_TABLE)
        + " (table_name varchar(64) NOT NULL PRIMARY KEY, version integer NOT NULL) "
        + "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  }

  @Override
  public String upsertSchemaVersionSql() {
    return "INSERT INTO " + quote(JdbcTokenStore.SCHEMA_TABLE) + " (table_name, version) VALUES (?, ?) "
        + "ON DUPLICATE KEY UPDATE version = VALUES(version)";
  }

  /**
   * The entry table with MySQL's options: {@code kind} in ASCII with the binary collation, {@code name} as
   * {@code VARBINARY(800)} (UTF-8 bytes: 200 characters of up to 4 bytes), so that names are compared byte for byte
   * (the {@code utf8mb4_bin} collation pads, so {@code "a"} and {@code "a "} would be one key; the key is 864 bytes,
   * under InnoDB's limit of 3072), and {@code value} as {@code MEDIUMTEXT} in {@code utf8mb4} ({@code TEXT} holds
   * 65,535 bytes, fewer than 65,536 characters need).
   */
  @Override
  public String createEntryTableSql() {
    return "CREATE TABLE IF NOT EXISTS " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind varchar(64) CHARACTER SET "
        + "ascii COLLATE ascii_bin NOT NULL, name varbinary(800) NOT NULL, value MEDIUMTEXT CHARACTER SET utf8mb4 "
        + "COLLATE utf8mb4_bin NOT NULL, PRIMARY KEY (kind, name)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  }

  /**
   * A plain {@code INSERT}: a duplicate key (error 1062) means the entry exists. Not {@code INSERT IGNORE}, which
   * also turns errors such as a value too long into warnings (a value cut short), and not
   * {@code ON DUPLICATE KEY UPDATE}, whose row count depends on the driver's found-rows setting.
   */
  @Override
  public String insertEntrySql() {
    return "INSERT INTO " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind, name, value) VALUES (?, ?, ?)";
  }

  @Override
  public String upsertEntrySql() {
    return "INSERT INTO " + quote(JdbcEntryTable.ENTRY_TABLE) + " (kind, name, value) VALUES (?, ?, ?) "
        + "ON DUPLICATE KEY UPDATE value = VALUES(value)";
  }

  @Override
  public String upsertSql(String table) {
    // VALUES(col) works on MySQL 8 (deprecated there, still supported) and MariaDB (which lacks the row alias).
    StringBuilder sb = new StringBuilder("INSERT INTO ").append(quote(table)).append(" (")
        .append(String.join(", ", JdbcTokenStore.COLUMNS)).append(") VALUES (?");
    sb.append(", ?".repeat(JdbcTokenStore.COLUMNS.size() - 1)).append(") ON DUPLICATE KEY UPDATE ");
    for (int i = 0; i < JdbcTokenStore.COLUMNS.size(); i++) {
      String c = JdbcTokenStore.COLUMNS.get(i);
      sb.append(i > 0 ? ", " : "").append(c).append(" = VALUES(").append(c).append(')');
    }
    return sb.toString();
  }

  @Override
  public String nextIdSql(String table) {
    return "SELECT MAX(ts_id_num) FROM " + quote(table);
  }

  /** Below version 2 there is no {@code ts_id_num} column: the same number, computed over every row. */
  @Override
  public String nextIdSql(String table, int schemaVersion) {
    return schemaVersion >= 2 ? nextIdSql(table) : "SELECT MAX(" + ID_NUM + ") FROM " + quote(table);
  }

  /** Below version 2 there is no {@code ts_id_num} column: the same number, computed over every row. */
  @Override
  public String idNumberSql(int schemaVersion) {
    return schemaVersion >= 2 ? "ts_id_num" : ID_NUM;
  }

  @Override
  public String idIsNumberSql(int schemaVersion) {
    return "(" + idNumberSql(schemaVersion) + " IS NOT NULL)";
  }

  /** REGEXP outside a generated column is the same in MySQL and MariaDB; the CAST only sees digit strings. */
  @Override
  public String digitsAsIntegerSql(String column) {
    return "(CASE WHEN " + column + " REGEXP '^[0-9]{1,18}$' THEN CAST(" + column + " AS SIGNED) END)";
  }

  @Override
  public String binaryTextSql(String expression) {
    return "CAST(" + expression + " AS BINARY)";
  }

  @Override
  public Failure classify(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        SQLException s = (SQLException) t;
        String state = s.getSQLState();
        int code = s.getErrorCode();
        // 1062 duplicate entry, 1586 duplicate entry for key, 1022 duplicate key; class 23 from other drivers
        if (code == 1062 || code == 1586 || code == 1022 || (code == 0 && state != null && state.startsWith("23"))) {
          return Failure.UNIQUE_VIOLATION;
        }
      }
    }
    return Failure.UNAVAILABLE;
  }

  @Override
  public boolean alreadyExists(SQLException e) {
    int code = e.getErrorCode();
    return code == 1050 /* table exists */ || code == 1060 /* duplicate column */ || code == 1061 /* key name */;
  }

  @Override
  public void beginWrite(Connection c, String table) throws SQLException {
    // Taken in auto-commit mode, before the transaction exists: InnoDB's snapshot then starts after the lock,
    // so the transaction's reads see every save committed before it.
    try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(" + LOCK_NAME + ", ?)")) {
      ps.setString(1, table);
      ps.setInt(2, LOCK_WAIT_SECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != 1) {
          throw new SQLException("Another writer held the tokenstore write lock of table " + table + " for more "
              + "than " + LOCK_WAIT_SECONDS + " s (GET_LOCK timed out).", "HY000");
        }
      }
    }
    try {
      c.setAutoCommit(false);
    } catch (SQLException | RuntimeException e) {
      releaseLock(c, table);
      throw e;
    }
  }

  @Override
  public void commit(Connection c, String table) throws SQLException {
    try {
      c.commit();
      c.setAutoCommit(true);
    } finally {
      releaseLock(c, table);
    }
  }

  @Override
  public void rollback(Connection c, String table) throws SQLException {
    try {
      try {
        c.rollback();
      } finally {
        c.setAutoCommit(true);
      }
    } finally {
      releaseLock(c, table);
    }
  }

  /** The database's clock: {@code CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) &#42; 1000 AS SIGNED)}. */
  @Override
  public String currentTimeMillisSql() {
    return "CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)";
  }

  @Override
  public String toString() {
    return "MySqlDialect";
  }

  private static String digitsRemoved() {
    String expr = "id";
    for (char d = '0'; d <= '9'; d++) {
      expr = "REPLACE(" + expr + ", '" + d + "', '')";
    }
    return expr;
  }

  private static void releaseLock(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(" + LOCK_NAME + ")")) {
      ps.setString(1, table);
      ps.executeQuery().close();
    }
  }
}
