package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * The connections of a {@link JdbcTokenStore} and what their failures mean: runs work on a connection of the
 * data source, maps driver errors to {@link StoreException}s (or {@link DuplicateRow} for a unique-constraint
 * violation, which the save maps), rolls back quietly, and knows whether the store is closed.
 *
 * <p>Thread-safe: the only state is the closed flag, an atomic.
 */
final class JdbcConnections {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());

  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final String table;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  JdbcConnections(DataSource dataSource, SqlDialect dialect, String table, String description) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.table = table;
    this.description = description;
  }

  /** Work on one connection. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Thrown inside {@link #withConnection} for a unique-constraint violation, mapped by the save. */
  static final class DuplicateRow extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DuplicateRow(SQLException cause) {
      super(cause.getClass().getName(), cause, false, false);
    }
  }

  /** Marks the store closed; true only for the first call. */
  boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  boolean isClosed() {
    return closed.get();
  }

  <T> T withConnection(String action, SqlWork<T> work) {
    checkOpen();
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failure(action, e);
    } catch (StoreException e) {
      throw e;
    } catch (RuntimeException e) {
      if (e instanceof DuplicateRow) {
        throw e;
      }
      if (closed.get()) {
        throw closedException();
      }
      throw e;
    }
  }

  private RuntimeException failure(String action, SQLException e) {
    if (closed.get()) {
      return closedException();
    }
    SqlDialect.Failure kind = dialect.classify(e);
    switch (kind) {
      case UNIQUE_VIOLATION:
        return new DuplicateRow(e);
      case CORRUPT:
        return new StoreException(ErrorCode.CORRUPT_STORE, "Could not " + action + ": the " + description
            + " is not readable (damaged, or not a database of this kind). Restore it from a backup or point "
            + "the store at another database.", e);
      default:
        return new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not " + action + " in the "
            + description + " (" + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState() + ", code "
            + e.getErrorCode() + "). Check that the database is reachable and writable, then retry.", e);
    }
  }

  /**
   * Rolls back; if that fails, closes the physical connection (which ends any transaction and its locks) so a
   * pool can never hand out a connection still inside a write transaction.
   */
  void rollbackQuietly(Connection c) {
    try {
      dialect.rollback(c, table);
    } catch (SQLException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Rollback in the " + description + " failed ("
          + e.getClass().getName() + "); closing that connection.");
      try {
        c.unwrap(Connection.class).close();
      } catch (SQLException | RuntimeException ignored) {
        // the pool discards a connection it cannot use
      }
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw closedException();
    }
  }

  private StoreException closedException() {
    return new StoreException(ErrorCode.STORE_CLOSED, "The " + description + " is closed; open a new one.");
  }
}
