package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
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
 * The seed's matching rules as SQL for a {@link JdbcTokenStore}: each resolved {@link TokenKey} as a
 * {@code WHERE} clause with parameters, and the lookups built on it (the record a key means, another record of
 * the same user, client id and API domain). The engine narrows the rows; {@link TokenKey#matches} and
 * {@link TokenRules} decide.
 *
 * <p>Thread-safe: immutable; each lookup runs on the caller's connection.
 */
final class TokenLookups {
  private final TokenRows rows;

  TokenLookups(TokenRows rows) {
    this.rows = rows;
  }

  /** A {@code WHERE} clause and its parameters. */
  private record Where(String clause, List<String> parameters) {}

  /** The matching rule {@code key} as a {@code WHERE} clause; null for {@link TokenKey.None}. */
  private static @Nullable Where where(TokenKey key) {
    if (key instanceof TokenKey.ById k) {
      return new Where("id = ?", List.of(k.id()));
    } else if (key instanceof TokenKey.ByUser k) {
      StringBuilder sb = new StringBuilder("user_name = ?");
      List<String> params = new ArrayList<>(3);
      params.add(k.userName());
      if (k.clientId() != null) {
        sb.append(" AND client_id = ?");
        params.add(k.clientId());
      }
      if (k.apiDomain() != null) {
        sb.append(" AND api_domain = ?");
        params.add(k.apiDomain());
      }
      return new Where(sb.toString(), params);
    } else if (key instanceof TokenKey.ByAccessToken k) {
      return new Where("access_token = ?", List.of(k.accessToken()));
    } else if (key instanceof TokenKey.ByGrantToken k) {
      return new Where("grant_token = ?", List.of(k.grantToken()));
    } else if (key instanceof TokenKey.ByRefreshToken k) {
      return k.clientId() == null
          ? new Where("refresh_token = ?", List.of(k.refreshToken()))
          : new Where("refresh_token = ? AND client_id = ?", List.of(k.refreshToken(), k.clientId()));
    } else if (key instanceof TokenKey.None) {
      return null;
    }
    throw new IllegalStateException("unknown key type " + key.getClass().getName());
  }

  /** The one record {@code key} means, if any; see {@link TokenRules#single}. */
  Optional<OAuthToken> findOne(Connection c, TokenKey key) throws SQLException {
    Where w = where(key);
    if (w == null) {
      return Optional.empty();
    }
    List<OAuthToken> matches = new ArrayList<>(2);
    try (PreparedStatement ps = c.prepareStatement(rows.selectPrefix + w.clause() + " LIMIT 2")) {
      for (int i = 0; i < w.parameters().size(); i++) {
        ps.setString(i + 1, w.parameters().get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OAuthToken t = rows.read(rs);
          if (key.matches(t)) { // the engine's comparison may be looser (collations); the rules decide
            matches.add(t);
          }
        }
      }
    }
    return TokenRules.single(key, matches);
  }

  /** A record other than {@code p} (by id) with the user name, client id and API domain {@code unique}. */
  @Nullable OAuthToken findSameUser(Connection c, OAuthToken p, TokenRules.UniqueKey unique) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(rows.selectByUser)) {
      ps.setString(1, unique.userName());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OAuthToken other = rows.read(rs);
          if (!Objects.equals(other.id(), p.id()) && unique.equals(TokenRules.uniqueKey(other))) {
            return other;
          }
        }
      }
    }
    return null;
  }
}
