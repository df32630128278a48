package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The schema of a {@link JdbcTokenStore}'s table, prepared when the store opens: creates the table and indexes
 * when missing, applies the dialect's {@link SchemaMigration}s recorded per table in
 * {@value JdbcTokenStore#SCHEMA_TABLE}, tries the best-effort steps (a unique index a legacy table with duplicates
 * cannot take), and checks that the table has Zoho's ten columns.
 *
 * <p>Thread-safe: immutable; the migrations run in one write transaction, so stores in several processes may
 * open the same table at once.
 */
final class JdbcSchema {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());

  private final DataSource dataSource;
  private final JdbcConnections connections;
  private final TokenRows rows;
  private final SqlDialect dialect;
  private final String table;
  private final String description;

  JdbcSchema(DataSource dataSource, JdbcConnections connections, TokenRows rows, SqlDialect dialect, String table,
      String description) {
    this.dataSource = dataSource;
    this.connections = connections;
    this.rows = rows;
    this.dialect = dialect;
    this.table = table;
    this.description = description;
  }

  /**
   * Creates and upgrades the schema if {@code create}, checks the table's layout, and returns the table's
   * schema version.
   */
  int prepare(boolean create) {
    try (Connection c = dataSource.getConnection()) {
      if (create) {
        migrate(c);
        for (String sql : dialect.bestEffortStatements(table)) {
          try {
            SqlDialect.execute(c, sql);
          } catch (SQLException e) {
            if (dialect.alreadyExists(e)) {
              continue;
            }
            LOG.log(System.Logger.Level.WARNING, "The " + description + " opened without a schema step that "
                + "failed (" + e.getClass().getSimpleName() + " code " + e.getErrorCode() + "): most likely the "
                + "table already holds several records of one user, client id and API domain. The store still "
                + "refuses new duplicates; delete the extra records to enable the unique index.");
          }
        }
      }
      verifyLayout(c, true);
      int version = schemaVersion(c);
      if (hasColumn(c, TokenRows.ISSUED_AT)) {
        rows.useIssuedAt();
      }
      return version;
    } catch (SQLException e) {
      throw asOpenFailure(e);
    }
  }

  /** Whether the table has {@code column} (a probe that reads no row; a failure means it has not). */
  private boolean hasColumn(Connection c, String column) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + dialect.quote(table)
        + " WHERE 1 = 0"); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return true;
    } catch (SQLException e) {
      if (!c.getAutoCommit()) {
        c.rollback(); // a failed statement aborts a PostgreSQL transaction
      }
      return false;
    }
  }

  /** The schema version recorded for the table; 0 when none is (a table made by Zoho's DDL, createSchema off). */
  private int schemaVersion(Connection c) throws SQLException {
    if (!dialect.tableExists(c, JdbcTokenStore.SCHEMA_TABLE)) {
      return 0;
    }
    return recordedVersion(c);
  }

  /** The version in the existing schema table; 0 when it has no row for the table. */
  private int recordedVersion(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT version FROM " + dialect.quote(JdbcTokenStore.SCHEMA_TABLE) + " WHERE table_name = ?")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  private void migrate(Connection c) throws SQLException {
    List<SchemaMigration> steps = dialect.migrations(table);
    int latest = steps.isEmpty() ? 0 : steps.get(steps.size() - 1).version();
    dialect.beginWrite(c, table);
    boolean done = false;
    try {
      // Inside the write transaction, so another process creating the table meanwhile cannot confuse it:
      // a foreign table of that name is refused before any DDL touches it.
      verifyLayout(c, false);
      SqlDialect.execute(c, dialect.createSchemaTableSql());
      int current = recordedVersion(c);
      if (current > latest) {
        LOG.log(System.Logger.Level.WARNING, "The " + description + " has schema version " + current
            + ", newer than this library's " + latest + "; using it as is. Upgrade tokenstore to use what "
            + "the newer version added.");
      }
      int expected = 1;
      for (SchemaMigration step : steps) {
        if (step.version() != expected++) {
          throw new IllegalStateException("dialect " + dialect.name() + " has migration versions out of order");
        }
        if (step.version() <= current) {
          continue;
        }
        for (String sql : step.statements()) {
          try {
            SqlDialect.execute(c, sql);
          } catch (SQLException e) {
            if (!dialect.alreadyExists(e)) {
              throw e;
            }
          }
        }
        try (PreparedStatement ps = c.prepareStatement(dialect.upsertSchemaVersionSql())) {
          ps.setString(1, table);
          ps.setInt(2, step.version());
          ps.executeUpdate();
        }
        LOG.log(System.Logger.Level.DEBUG, "Schema of the " + description + " now at version " + step.version()
            + ": " + step.description());
      }
      dialect.commit(c, table);
      done = true;
    } finally {
      if (!done) {
        connections.rollbackQuietly(c);
      }
    }
  }

  /** Checks that the table has Zoho's ten columns; when it does not exist, fails only if {@code required}. */
  private void verifyLayout(Connection c, boolean required) throws SQLException {
    if (!dialect.tableExists(c, table)) {
      if (!required) {
        return; // no table yet: the migrations create it
      }
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "The table of the " + description
          + " does not exist (or cannot be read) and creating it is turned off. Create it with Zoho's DDL or "
          + "open the store with createSchema(true).");
    }
    try (PreparedStatement ps = c.prepareStatement(rows.selectAll + " WHERE 1 = 0");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
    } catch (SQLException e) {
      if (dialect.classify(e) == SqlDialect.Failure.CORRUPT) {
        throw e;
      }
      throw new StoreException(ErrorCode.CORRUPT_STORE, "The table of the " + description + " exists "
          + "but lacks some of the columns " + TokenRows.COLUMN_LIST + ". Point the store at a token table "
          + "(table=...), or rename that table.", e);
    }
  }

  private StoreException asOpenFailure(SQLException e) {
    if (dialect.classify(e) == SqlDialect.Failure.CORRUPT) {
      return new StoreException(ErrorCode.CORRUPT_STORE, "The " + description + " is not a readable "
          + dialect.name() + " database (damaged, or another kind of file). Point the store at a database, or "
          + "move the file away so that a new one is created.", e);
    }
    return new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not open the " + description + " ("
        + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState() + ", code " + e.getErrorCode() + "). "
        + "Check that the database is reachable and that this process may read and write it.", e);
  }
}
