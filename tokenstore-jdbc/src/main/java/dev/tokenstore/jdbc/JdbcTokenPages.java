package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@link TokenPages} of a {@link JdbcTokenStore} in SQL: keyset pages ({@code WHERE (number, id) > (?, ?) ORDER BY
 * number, id LIMIT ?}) over the dialect's numeric id, which an index on (numeric id, id) serves, then the ids that
 * are not 1 to 18 digits in binary text order; counts by status with one {@code GROUP BY} over a {@code CASE} that
 * mirrors {@link TokenStatus#of}. Every value is a bound parameter; the SQL text holds only the (validated) table
 * name and fixed expressions.
 *
 * <p>The engine narrows, {@link TokenPages.Filter#matches} decides: rows the {@code CASE} cannot classify (an
 * {@code expiry_time} that is not plain digits, e.g. {@code "1712345678901.0"}) are read and judged in Java.
 *
 * <p>Thread-safe: immutable after the store opens; each call runs on its own connection.
 */
final class JdbcTokenPages implements TokenPages {
  private static final Pattern NUMERIC_ID = Pattern.compile("[0-9]{1,18}");
  private static final String OTHER = "other";
  /** The default refresh window of {@link TokenStatus}, in ms. */
  private static final long WINDOW = TokenStatus.DEFAULT_WINDOW.toMillis();

  private final JdbcConnections connections;
  private final TokenRows rows;
  private final SqlDialect dialect;
  private final String table;
  private final String number;
  private final String isNumber;

  JdbcTokenPages(JdbcConnections connections, TokenRows rows, SqlDialect dialect, String table, int schemaVersion) {
    this.connections = connections;
    this.rows = rows;
    this.dialect = dialect;
    this.table = dialect.quote(table);
    this.number = java.util.Objects.requireNonNull(dialect.idNumberSql(schemaVersion));
    this.isNumber = dialect.idIsNumberSql(schemaVersion);
  }

  /** A condition with its parameters (String or Long). */
  private record Sql(StringBuilder text, List<Object> params) {
    Sql() {
      this(new StringBuilder(), new ArrayList<>());
    }

    Sql add(String s, Object... values) {
      text.append(s);
      Collections.addAll(params, values);
      return this;
    }
  }

  @Override
  public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
    TokenPages.checkLimit(limit);
    return connections.withConnection("list a page of tokens", c -> {
      List<OAuthToken> out = new ArrayList<>(Math.min(limit, 64));
      boolean numeric = after == null || NUMERIC_ID.matcher(after).matches();
      String cursor = after;
      while (out.size() < limit) {
        int want = limit - out.size();
        Sql q = new Sql().add(rows.selectPrefix);
        if (numeric) {
          q.add(isNumber);
          if (cursor != null) {
            long n = Long.parseLong(cursor);
            q.add(" AND " + number + " >= ? AND (" + number + " > ? OR id > ?)", n, n, cursor);
          }
        } else {
          q.add("NOT " + isNumber);
          if (cursor != null) {
            q.add(" AND " + dialect.binaryTextSql("id") + " > ?", cursor);
          }
        }
        filters(q, filter, now);
        q.add(numeric ? " ORDER BY " + number + ", id" : " ORDER BY " + dialect.binaryTextSql("id"));
        q.add(" LIMIT ?", (long) want);
        int read = 0;
        String last = null;
        try (PreparedStatement ps = prepare(c, q); ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            OAuthToken t = rows.read(rs);
            read++;
            last = t.id();
            if (filter.matches(t, now)) {
              out.add(t);
            }
          }
        }
        if (read < want || last == null) {
          if (!numeric) {
            break;
          }
          numeric = false; // the numeric ids are done: on to the others, from their start
          cursor = null;
        } else {
          cursor = last;
        }
      }
      return Collections.unmodifiableList(out);
    });
  }

  @Override
  public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
    Filter any = filter.withStatus(null);
    return connections.withConnection("count the tokens", c -> {
      Map<TokenStatus, Long> counts = TokenPages.zeroCounts();
      Sql q = new Sql().add("SELECT st, COUNT(*) FROM (SELECT ");
      statusCase(q, now);
      q.add(" AS st FROM " + table + " WHERE 1 = 1");
      filters(q, any, now);
      q.add(") x GROUP BY st");
      boolean others = false;
      try (PreparedStatement ps = prepare(c, q); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String st = rs.getString(1);
          if (OTHER.equals(st)) {
            others = true;
          } else {
            counts.merge(TokenStatus.valueOf(st.toUpperCase(Locale.ROOT)), rs.getLong(2), Long::sum);
          }
        }
      }
      if (others) {
        Sql o = new Sql().add(rows.selectPrefix + "1 = 1");
        filters(o, any, now);
        o.add(" AND ");
        statusCase(o, now);
        o.add(" = ?", OTHER);
        try (PreparedStatement ps = prepare(c, o); ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            OAuthToken t = rows.read(rs);
            if (any.matches(t, now)) {
              counts.merge(TokenStatus.of(t, now), 1L, Long::sum);
            }
          }
        }
      }
      return counts;
    });
  }

  /** Appends the filter's conditions ({@code AND ...}). */
  private void filters(Sql q, Filter filter, Instant now) {
    if (filter.userName() != null) {
      q.add(" AND user_name = ?", filter.userName());
    }
    String part = filter.userNameContains();
    if (part != null && !part.isEmpty()) {
      q.add(" AND " + dialect.asciiLowerSql("user_name") + " LIKE ? ESCAPE '!'",
          "%" + likeEscaped(Filter.asciiLower(part)) + "%");
    }
    if (filter.clientId() != null) {
      q.add(" AND client_id = ?", filter.clientId());
    }
    if (filter.status() != null) {
      q.add(" AND ");
      statusCase(q, now);
      q.add(" IN (?, ?)", filter.status().jsonName(), OTHER);
    }
  }

  /**
   * {@link TokenStatus#of} with the default window as a {@code CASE} giving its JSON name, or {@code 'other'} where
   * the expiry is not plain digits. A token is set when not NULL and not empty (Zoho's null). With an issue time,
   * the window is half the lifetime when shorter ({@link dev.tokenstore.oauth.RefreshTiming}): an access token
   * that expires within the default window is still valid when {@code floor(lifetime / 2) < expiry - now}, that is
   * {@code lifetime < 2 * (expiry - now)} (integers, no division).
   */
  private void statusCase(Sql q, Instant now) {
    long n = now.toEpochMilli();
    String e = dialect.digitsAsIntegerSql("expiry_time");
    String access = set("access_token");
    q.add("(CASE WHEN " + access + " AND (expiry_time IS NULL OR expiry_time = '') THEN 'valid'");
    q.add(" WHEN " + access + " AND " + e + " IS NULL THEN '" + OTHER + "'");
    q.add(" WHEN " + access + " AND " + e + " > ? THEN 'valid'", n + WINDOW);
    if (rows.hasIssuedAt()) {
      q.add(" WHEN " + access + " AND " + e + " > ? AND " + TokenRows.ISSUED_AT + " > 0 AND " + TokenRows.ISSUED_AT
          + " < " + e + " AND " + e + " - " + TokenRows.ISSUED_AT + " < 2 * (" + e + " - ?) THEN 'valid'", n, n);
    }
    q.add(" WHEN " + access + " AND " + e + " > ? THEN 'expiring'", n);
    q.add(" WHEN " + set("refresh_token") + " THEN 'expired'");
    q.add(" WHEN " + set("grant_token") + " THEN 'not_exchanged'");
    q.add(" ELSE 'reauthorization_required' END)");
  }

  private static String set(String column) {
    return "(" + column + " IS NOT NULL AND " + column + " <> '')";
  }

  private static String likeEscaped(String s) {
    return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }

  private static PreparedStatement prepare(Connection c, Sql q) throws SQLException {
    PreparedStatement ps = c.prepareStatement(q.text().toString());
    try {
      for (int i = 0; i < q.params().size(); i++) {
        Object v = q.params().get(i);
        if (v instanceof Long l) {
          ps.setLong(i + 1, l);
        } else {
          ps.setString(i + 1, (String) v);
        }
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }
}
