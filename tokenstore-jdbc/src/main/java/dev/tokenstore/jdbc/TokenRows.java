package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.ZohoRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The statements of a {@link JdbcTokenStore} over Zoho's ten columns ({@link JdbcTokenStore#COLUMNS}) and, when
 * the table has it, {@link #ISSUED_AT}, by column name, and the mapping between a row and an {@link OAuthToken}:
 * empty strings read as nulls, nulls written as SQL {@code NULL}, {@code expiry_time} and {@code issued_at} as
 * epoch milliseconds.
 *
 * <p>Thread-safe: the statements are set when the store opens ({@link #useIssuedAt}), before it is shared, and
 * are volatile.
 */
final class TokenRows {
  /** Zoho's ten columns, comma separated, in Zoho's order. */
  static final String COLUMN_LIST = String.join(", ", JdbcTokenStore.COLUMNS);

  /**
   * The column after Zoho's ten that keeps {@link OAuthToken#issuedAt()} (epoch milliseconds, {@code bigint},
   * nullable), added by a schema migration of each built-in dialect. A table without it (Zoho's own, opened
   * with {@code createSchema(false)}, or a custom dialect's) works as before, without issue times.
   */
  static final String ISSUED_AT = "issued_at";

  /** {@code SELECT} of the columns {@code FROM} the table {@code WHERE }, for a condition to append. */
  volatile String selectPrefix;
  volatile String selectAll;
  volatile String selectByUser;
  final String deleteById;
  final String deleteAll;
  private final String table;
  private final String upsert;
  private final String updateIssuedAt;
  private final String description;
  /** Whether the table has the {@link #ISSUED_AT} column; set once when the store opens. */
  private volatile boolean issuedAt;

  TokenRows(SqlDialect dialect, String table, String description) {
    this.description = description;
    this.table = dialect.quote(table);
    this.deleteById = "DELETE FROM " + this.table + " WHERE id = ?";
    this.deleteAll = "DELETE FROM " + this.table;
    this.upsert = dialect.upsertSql(table);
    this.updateIssuedAt = "UPDATE " + this.table + " SET " + ISSUED_AT + " = ? WHERE id = ?";
    this.selectPrefix = "SELECT " + COLUMN_LIST + " FROM " + this.table + " WHERE ";
    this.selectAll = "SELECT " + COLUMN_LIST + " FROM " + this.table;
    this.selectByUser = selectPrefix + "user_name = ?";
  }

  /** Reads and writes the {@link #ISSUED_AT} column too, which the table has (called when the store opens). */
  void useIssuedAt() {
    String columns = COLUMN_LIST + ", " + ISSUED_AT;
    this.selectPrefix = "SELECT " + columns + " FROM " + table + " WHERE ";
    this.selectAll = "SELECT " + columns + " FROM " + table;
    this.selectByUser = selectPrefix + "user_name = ?";
    this.issuedAt = true;
  }

  /** Whether the table has the {@link #ISSUED_AT} column (known once the store has opened). */
  boolean hasIssuedAt() {
    return issuedAt;
  }

  /** Inserts {@code t}, or replaces the row with its id (and its issue time, when the table keeps it). */
  void write(Connection c, OAuthToken t) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(upsert)) {
      List<@Nullable String> values = ZohoRecord.toValues(t);
      for (int i = 0; i < values.size(); i++) {
        bind(ps, i + 1, values.get(i));
      }
      ps.executeUpdate();
    }
    if (issuedAt) {
      // A second statement in the same write transaction, so that the dialect's upsert stays Zoho's ten columns.
      try (PreparedStatement ps = c.prepareStatement(updateIssuedAt)) {
        Instant at = t.issuedAt();
        if (at == null) {
          ps.setNull(1, Types.BIGINT);
        } else {
          ps.setLong(1, at.toEpochMilli());
        }
        ps.setString(2, t.id());
        ps.executeUpdate();
      }
    }
  }

  private static void bind(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }

  /** A row in Zoho's layout; empty strings are nulls (the builder's rule), expiry is epoch milliseconds. */
  OAuthToken read(ResultSet rs) throws SQLException {
    List<@Nullable String> values = ZohoRecord.emptyValues();
    for (int i = 0; i < values.size(); i++) {
      values.set(i, rs.getString(i + 1));
    }
    try {
      OAuthToken t = ZohoRecord.fromValues(values);
      if (issuedAt) {
        long at = rs.getLong(values.size() + 1);
        if (!rs.wasNull()) {
          t = t.toBuilder().issuedAt(Instant.ofEpochMilli(at)).build();
        }
      }
      return t;
    } catch (IllegalArgumentException e) {
      throw new StoreException(ErrorCode.CORRUPT_STORE, "The expiry_time of token id " + values.get(0)
          + " in the " + description + " is not a time in epoch milliseconds. Correct that row's expiry_time "
          + "(or set it empty), or delete the row.");
    }
  }
}
