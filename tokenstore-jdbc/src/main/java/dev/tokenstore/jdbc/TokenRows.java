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
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The statements of a {@link JdbcTokenStore} over Zoho's ten columns ({@link JdbcTokenStore#COLUMNS}), by column
 * name, and the mapping between a row and an {@link OAuthToken}: empty strings read as nulls, nulls written as
 * SQL {@code NULL}, {@code expiry_time} as epoch milliseconds.
 *
 * <p>Thread-safe: immutable.
 */
final class TokenRows {
  /** Zoho's ten columns, comma separated, in Zoho's order. */
  static final String COLUMN_LIST = String.join(", ", JdbcTokenStore.COLUMNS);

  /** {@code SELECT} of the ten columns {@code FROM} the table {@code WHERE }, for a condition to append. */
  final String selectPrefix;
  final String selectAll;
  final String selectByUser;
  final String deleteById;
  final String deleteAll;
  private final String upsert;
  private final String description;

  TokenRows(SqlDialect dialect, String table, String description) {
    this.description = description;
    String t = dialect.quote(table);
    this.selectPrefix = "SELECT " + COLUMN_LIST + " FROM " + t + " WHERE ";
    this.selectAll = "SELECT " + COLUMN_LIST + " FROM " + t;
    this.selectByUser = selectPrefix + "user_name = ?";
    this.deleteById = "DELETE FROM " + t + " WHERE id = ?";
    this.deleteAll = "DELETE FROM " + t;
    this.upsert = dialect.upsertSql(table);
  }

  /** Inserts {@code t}, or replaces the row with its id. */
  void write(Connection c, OAuthToken t) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(upsert)) {
      List<@Nullable String> values = ZohoRecord.toValues(t);
      for (int i = 0; i < values.size(); i++) {
        bind(ps, i + 1, values.get(i));
      }
      ps.executeUpdate();
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
      return ZohoRecord.fromValues(values);
    } catch (IllegalArgumentException e) {
      throw new StoreException(ErrorCode.CORRUPT_STORE, "The expiry_time of token id " + values.get(0)
          + " in the " + description + " is not a time in epoch milliseconds. Correct that row's expiry_time "
          + "(or set it empty), or delete the row.");
    }
  }
}
