package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.EntryTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@link EntryTable} of a {@link JdbcTokenStore}: rows {@code (kind, name, value)} of the table
 * {@value #ENTRY_TABLE} in the store's database, primary key {@code (kind, name)}, created on first use
 * ({@link SqlDialect#createEntryTableSql()}). Like {@code tokenstore_lease}, the table has one fixed name and is
 * shared by every token table of the database (and schema): stores on two token tables of one database see the same
 * entries.
 *
 * <p>Each operation is one parameterised statement in auto-commit mode, atomic on its own: {@link #insert} is the
 * dialect's create-if-absent ({@link SqlDialect#insertEntrySql()}; {@code ON CONFLICT DO NOTHING}, or a plain
 * {@code INSERT} whose duplicate-key error means "exists"), and returns true only when one row was inserted, so
 * the primary key makes exactly one of several concurrent callers (threads, processes, machines) win;
 * {@link #put} is the dialect's upsert ({@link SqlDialect#upsertEntrySql()}). Names and values are bound, never
 * written into SQL; {@link #list} sorts in Java ({@link String#compareTo}), whatever the database's collation.
 * Failures are {@link StoreException}s as for the tokens ({@link ErrorCode#STORE_UNAVAILABLE}, ...), whose messages
 * hold no name or value.
 *
 * <p>Thread-safe: the only state is whether the table is known to exist (a volatile flag).
 */
final class JdbcEntryTable implements EntryTable {
  /** The table of the entries of every store of a database. */
  static final String ENTRY_TABLE = "tokenstore_entry";

  private final JdbcConnections connections;
  private final SqlDialect dialect;
  private final String description;
  private final String select;
  private final String selectKind;
  private final String selectKinds;
  private final String insert;
  private final String upsert;
  private final String delete;
  private volatile boolean ready;

  JdbcEntryTable(JdbcConnections connections, SqlDialect dialect, String description) {
    this.connections = connections;
    this.dialect = dialect;
    this.description = description;
    String t = dialect.quote(ENTRY_TABLE);
    this.select = "SELECT value FROM " + t + " WHERE kind = ? AND name = ?";
    this.selectKind = "SELECT name, value FROM " + t + " WHERE kind = ?";
    this.selectKinds = "SELECT DISTINCT kind FROM " + t;
    this.insert = dialect.insertEntrySql();
    this.upsert = dialect.upsertEntrySql();
    this.delete = "DELETE FROM " + t + " WHERE kind = ? AND name = ?";
  }

  @Override
  public Optional<String> get(String kind, String name) {
    EntryTable.check(kind, name, null);
    return run("read an entry", c -> {
      try (PreparedStatement ps = c.prepareStatement(select)) {
        ps.setString(1, kind);
        ps.setString(2, name);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(Objects.requireNonNull(rs.getString(1), "value")) : Optional.empty();
        }
      }
    });
  }

  @Override
  public boolean insert(String kind, String name, String value) {
    EntryTable.check(kind, name, value);
    Objects.requireNonNull(value, "value");
    return run("insert an entry", c -> {
      try (PreparedStatement ps = c.prepareStatement(insert)) {
        ps.setString(1, kind);
        ps.setString(2, name);
        ps.setString(3, value);
        return ps.executeUpdate() == 1;
      } catch (SQLException e) {
        if (dialect.classify(e) == SqlDialect.Failure.UNIQUE_VIOLATION) {
          return false; // a dialect without "do nothing on conflict": the row exists, someone else created it
        }
        throw e;
      }
    });
  }

  @Override
  public void put(String kind, String name, String value) {
    EntryTable.check(kind, name, value);
    Objects.requireNonNull(value, "value");
    run("write an entry", c -> {
      try (PreparedStatement ps = c.prepareStatement(upsert)) {
        ps.setString(1, kind);
        ps.setString(2, name);
        ps.setString(3, value);
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public boolean remove(String kind, String name) {
    EntryTable.check(kind, name, null);
    return run("remove an entry", c -> {
      try (PreparedStatement ps = c.prepareStatement(delete)) {
        ps.setString(1, kind);
        ps.setString(2, name);
        return ps.executeUpdate() > 0;
      }
    });
  }

  @Override
  public SortedMap<String, String> list(String kind) {
    EntryTable.check(kind, "-", null); // the kind only
    return run("list the entries", c -> {
      TreeMap<String, String> out = new TreeMap<>();
      try (PreparedStatement ps = c.prepareStatement(selectKind)) {
        ps.setString(1, kind);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.put(Objects.requireNonNull(rs.getString(1), "name"), Objects.requireNonNull(rs.getString(2), "value"));
          }
        }
      }
      return Collections.unmodifiableSortedMap(out);
    });
  }

  @Override
  public SortedSet<String> kinds() {
    return run("list the entry kinds", c -> {
      TreeSet<String> out = new TreeSet<>();
      try (PreparedStatement ps = c.prepareStatement(selectKinds);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Objects.requireNonNull(rs.getString(1), "kind"));
        }
      }
      return Collections.unmodifiableSortedSet(out);
    });
  }

  @Override
  public String toString() {
    return "JdbcEntryTable{" + description + ", table " + ENTRY_TABLE + "}";
  }

  /** {@code work} on a connection, after the table was made sure of; driver failures as the store maps them. */
  private <T> T run(String action, JdbcConnections.SqlWork<T> work) {
    if (!ready) {
      call("create the table " + ENTRY_TABLE, c -> {
        ensureTable(c);
        return Boolean.TRUE;
      });
    }
    return call(action, work);
  }

  private <T> T call(String action, JdbcConnections.SqlWork<T> work) {
    try {
      return connections.withConnection(action, work);
    } catch (JdbcConnections.DuplicateRow e) {
      // Only an insert can meet a duplicate key, and it answers false itself: anything else is not ours to guess.
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not " + action + " in the " + description
          + ": the database refused it as a duplicate key of " + ENTRY_TABLE + ". Check that no other program "
          + "changed that table's keys.", e.getCause());
    }
  }

  private void ensureTable(Connection c) throws SQLException {
    try {
      SqlDialect.execute(c, dialect.createEntryTableSql());
    } catch (SQLException e) {
      // Another process may have created it at the same moment (PostgreSQL's IF NOT EXISTS is not atomic).
      if (!dialect.alreadyExists(e) && !dialect.tableExists(c, ENTRY_TABLE)) {
        throw e;
      }
    }
    ready = true;
  }
}
