package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.jdbc.JdbcConnections.DuplicateRow;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The write path of a {@link JdbcTokenStore}: a save (read the record meant, merge by {@link TokenRules#planSave},
 * take a new id, check uniqueness, write) and the compare-and-set save of {@link ConditionalSave}, each in one
 * write transaction ({@link SqlDialect#beginWrite}) that excludes other saves on the table from any thread or
 * process; and the mapping of a unique-constraint violation to {@link ErrorCode#DUPLICATE_TOKEN}.
 *
 * <p>Thread-safe: the only mutable state, the statement that reads the highest id, is volatile and set once
 * when the store opens.
 */
final class TokenWrites {
  private final JdbcConnections connections;
  private final TokenRows rows;
  private final TokenLookups lookups;
  private final SqlDialect dialect;
  private final String table;
  private final String description;
  private volatile String nextId;

  TokenWrites(JdbcConnections connections, TokenRows rows, TokenLookups lookups, SqlDialect dialect, String table,
      String description) {
    this.connections = connections;
    this.rows = rows;
    this.lookups = lookups;
    this.dialect = dialect;
    this.table = table;
    this.description = description;
    this.nextId = dialect.nextIdSql(table);
  }

  /** Takes new ids with the dialect's statement for a table at {@code schemaVersion}. */
  void schemaVersion(int schemaVersion) {
    nextId = dialect.nextIdSql(table, schemaVersion);
  }

  /** {@link JdbcTokenStore#saveToken}. */
  OAuthToken save(OAuthToken token) {
    return saveAll(List.of(token), "save a token").get(0);
  }

  /** {@link JdbcTokenStore#saveTokens}: one transaction, all or nothing. */
  List<OAuthToken> saveAll(List<OAuthToken> tokens, String what) {
    OAuthToken[] planned = new OAuthToken[1];
    try {
      return connections.withConnection(what, c -> {
        dialect.beginWrite(c, table);
        boolean done = false;
        try {
          List<OAuthToken> out = new ArrayList<>(tokens.size());
          for (OAuthToken token : tokens) {
            out.add(saveIn(c, token, planned));
          }
          dialect.commit(c, table);
          done = true;
          return out;
        } finally {
          if (!done) {
            connections.rollbackQuietly(c);
          }
        }
      });
    } catch (DuplicateRow e) {
      OAuthToken p = planned[0];
      OAuthToken other = p == null ? null : findDuplicateOf(p);
      if (p != null && other != null) {
        throw TokenRules.duplicate(p, other);
      }
      throw new StoreException(ErrorCode.DUPLICATE_TOKEN, "The " + description + " refused "
          + (p == null ? "the token" : TokenRules.describe(p)) + ": it would violate a unique constraint of the "
          + "table (another record with the same id, or with the same user name, client id and API domain, or a "
          + "constraint added to the table). Save by user name or id to update the existing record, or delete "
          + "one of the two." + (tokens.size() > 1 ? " None of the " + tokens.size() + " tokens was saved." : ""),
          e.getCause());
    }
  }

  /** One save within the caller's write transaction; {@code planned[0]} is the record it meant to write. */
  private OAuthToken saveIn(Connection c, OAuthToken token, OAuthToken[] planned) throws SQLException {
    OAuthToken stored = lookups.findOne(c, TokenKey.of(token)).orElse(null);
    OAuthToken p = TokenRules.planSave(stored, token);
    if (p.id() == null) {
      p = p.toBuilder().id(newId(c)).build();
    }
    planned[0] = p;
    if (stored == null || !Objects.equals(TokenRules.uniqueKey(stored), TokenRules.uniqueKey(p))) {
      // Only a write that gives a record a new identity can create a duplicate. (A legacy Zoho table may
      // already hold duplicates; updating one of them in place must keep working.)
      checkUnique(c, p);
    }
    rows.write(c, p);
    return p;
  }

  /** {@link JdbcTokenStore#saveTokenIf}, for the record with the id {@code id} of {@code update}. */
  Optional<OAuthToken> saveIf(OAuthToken expected, OAuthToken update, String id) {
    try {
      return connections.withConnection("save a refreshed token", c -> {
        dialect.beginWrite(c, table);
        boolean done = false;
        try {
          OAuthToken stored = lookups.findOne(c, new TokenKey.ById(id)).orElse(null);
          if (stored == null || !ConditionalSave.matches(stored, expected)) {
            dialect.commit(c, table);
            done = true;
            return Optional.<OAuthToken>empty();
          }
          OAuthToken p = TokenRules.planSave(stored, update);
          if (!Objects.equals(TokenRules.uniqueKey(stored), TokenRules.uniqueKey(p))) {
            checkUnique(c, p);
          }
          rows.write(c, p);
          dialect.commit(c, table);
          done = true;
          return Optional.of(p);
        } finally {
          if (!done) {
            connections.rollbackQuietly(c);
          }
        }
      });
    } catch (DuplicateRow e) {
      throw new StoreException(ErrorCode.DUPLICATE_TOKEN, "The " + description + " refused the refreshed "
          + "token id " + id + ": it would violate a unique constraint of the table.", e.getCause());
    }
  }

  /** Fails with {@link TokenRules#duplicate} if another record has {@code p}'s user, client and API domain. */
  private void checkUnique(Connection c, OAuthToken p) throws SQLException {
    TokenRules.UniqueKey unique = TokenRules.uniqueKey(p);
    if (unique == null) {
      return;
    }
    OAuthToken other = lookups.findSameUser(c, p, unique);
    if (other != null) {
      throw TokenRules.duplicate(p, other);
    }
  }

  private @Nullable OAuthToken findDuplicateOf(OAuthToken p) {
    TokenRules.UniqueKey unique = TokenRules.uniqueKey(p);
    try {
      return connections.withConnection("look up a duplicate", c -> {
        if (unique != null) {
          OAuthToken other = lookups.findSameUser(c, p, unique);
          if (other != null) {
            return Optional.of(other);
          }
        }
        String id = p.id();
        return id == null ? Optional.<OAuthToken>empty() : lookups.findOne(c, new TokenKey.ById(id));
      }).orElse(null);
    } catch (StoreException e) {
      return null;
    }
  }

  private String newId(Connection c) throws SQLException {
    BigInteger max = BigInteger.ZERO;
    try (PreparedStatement ps = c.prepareStatement(nextId); ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        String v = rs.getString(1);
        if (v != null && !v.isEmpty()) {
          max = new BigDecimal(v).toBigInteger();
        }
      }
    }
    if (max.bitLength() >= 63) {
      // The engine's integer cast saturates at 2^63-1: fall back to exact arithmetic over every id.
      List<String> ids = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + dialect.quote(table));
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return TokenRules.nextId(ids);
    }
    return max.max(BigInteger.ZERO).add(BigInteger.ONE).toString();
  }
}
