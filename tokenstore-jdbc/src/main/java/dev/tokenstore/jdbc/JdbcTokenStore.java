package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStoreException;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import dev.tokenstore.spi.ZohoRecord;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in a SQL table, over any JDBC {@link DataSource} and a {@link SqlDialect}. The table is
 * Zoho's {@code oauthtoken} layout (ten columns: {@link #COLUMNS}), so tables written by Zoho's SDKs (or the
 * seed's SQLite sample, {@code zohooauth.db}) open as they are and Zoho's SDKs keep reading what this store
 * writes: numeric string ids, {@code expiry_time} as epoch milliseconds, empty strings read as {@code null}.
 *
 * <pre>{@code
 * try (TokenStore store = JdbcTokenStore.sqlite(Path.of("zohooauth.db"))) { ... }
 * TokenStore shared = JdbcTokenStore.builder().dataSource(myDataSource).dialect(SqlDialect.postgres())
 *     .table("oauthtoken").createSchema(true).build();
 * TokenStore mysql = JdbcTokenStore.mysql().host("db").database("zohooauth").user("app").password(pw).build();
 * }</pre>
 *
 * <p><b>Schema.</b> With {@code createSchema(true)} (the default) the table, its lookup indexes and a unique
 * index on (user name, client id, API domain) are created when missing, and later schema versions are applied
 * by {@link SchemaMigration}s recorded per table in {@value #SCHEMA_TABLE}. A legacy table that already holds
 * duplicate users opens with a logged warning; the store still never writes a new duplicate.
 *
 * <p>Rows are read and written by column name, Zoho's ten only: columns that later schema versions add after
 * the tenth (e.g. a version or lease column for cross-process refresh coordination) are not touched by a save,
 * so they need a default for inserts. A value this store does not have is written as SQL {@code NULL} (Zoho's
 * SDKs read it like the empty string they write themselves).
 *
 * <p><b>Concurrency.</b> Thread-safe. Every operation is one statement or one transaction. A save reads the
 * record it means, merges and writes inside one write transaction that excludes other saves on the same table,
 * from any thread or process ({@link SqlDialect#beginWrite}); new ids ({@code MAX} of the numeric ids plus one)
 * are taken inside that transaction, so they are unique across processes.
 *
 * <p><b>Refresh coordination.</b> Token managers in several processes sharing the database refresh each token
 * once per expiry: {@link #refreshCoordinator()} grants refresh leases by compare-and-set on rows of the table
 * {@code tokenstore_lease} (created on first use), timed by the database's clock, expiring by themselves; and
 * {@link #saveTokenIf} saves a refresh result only if the record still holds the token it was refreshed from.
 *
 * <p><b>Resources.</b> A store made by {@link #sqlite(Path)}, {@link #sqliteInMemory()}, {@link #mysql()},
 * {@link #postgres()} or
 * {@code TokenStores.open} owns its connection pool and closes it in {@link #close()}; a {@code DataSource}
 * passed to the builder belongs to the caller and is left open.
 */
public final class JdbcTokenStore implements TokenStore, RefreshCoordination, ConditionalSave {
  /** Zoho's ten columns, in Zoho's order. */
  public static final List<String> COLUMNS = ZohoRecord.COLUMNS;

  /** The table that records the schema version of each token table. */
  public static final String SCHEMA_TABLE = "tokenstore_schema";

  /** The default table name, Zoho's. */
  public static final String DEFAULT_TABLE = "oauthtoken";

  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());
  private static final String COLUMN_LIST = String.join(", ", COLUMNS);

  private final DataSource dataSource;
  private final @Nullable AutoCloseable ownedResource;
  private final SqlDialect dialect;
  private final String table;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final String selectPrefix;
  private final String selectById;
  private final String selectAll;
  private final String deleteById;
  private final String deleteAll;
  private final String selectByUser;
  private final String upsert;
  private volatile String nextId;
  private final JdbcRefreshCoordinator coordinator;

  private JdbcTokenStore(Builder b, DataSource dataSource, @Nullable AutoCloseable ownedResource) {
    this.dataSource = dataSource;
    this.ownedResource = ownedResource;
    this.dialect = Objects.requireNonNull(b.dialect, "dialect");
    this.table = b.table;
    this.description = b.description != null
        ? b.description
        : dialect.name() + " store on " + dataSource.getClass().getSimpleName() + ", table " + table;
    String t = dialect.quote(table);
    this.selectPrefix = "SELECT " + COLUMN_LIST + " FROM " + t + " WHERE ";
    this.selectById = selectPrefix + "id = ?";
    this.selectAll = "SELECT " + COLUMN_LIST + " FROM " + t;
    this.selectByUser = selectPrefix + "user_name = ?";
    this.deleteById = "DELETE FROM " + t + " WHERE id = ?";
    this.deleteAll = "DELETE FROM " + t;
    this.upsert = dialect.upsertSql(table);
    this.nextId = dialect.nextIdSql(table);
    this.coordinator = new JdbcRefreshCoordinator(dataSource, dialect, table, description);
  }

  /** A builder: set a {@link DataSource} and a {@link SqlDialect}, or a SQLite file. */
  public static Builder builder() {
    return new Builder();
  }

  /** The SQLite database {@code file} (created 0600 when missing), table {@code oauthtoken}, schema created. */
  public static JdbcTokenStore sqlite(Path file) {
    return builder().sqliteFile(file).build();
  }

  /**
   * A builder for a store on a MySQL or MariaDB server (Zoho's DBStore parameters: host, port, database, table,
   * user, password), with a connection pool the store owns. See {@link ServerStoreBuilder}.
   */
  public static ServerStoreBuilder mysql() {
    return new ServerStoreBuilder(ServerStoreBuilder.Engine.MYSQL);
  }

  /**
   * A builder for a store on a PostgreSQL server, with a connection pool the store owns. See
   * {@link ServerStoreBuilder}.
   */
  public static ServerStoreBuilder postgres() {
    return new ServerStoreBuilder(ServerStoreBuilder.Engine.POSTGRESQL);
  }

  /** A new SQLite database in memory (one connection, shared by all threads); gone when closed. */
  public static JdbcTokenStore sqliteInMemory() {
    return builder().sqliteInMemory().build();
  }

  /** The table this store uses. */
  public String table() {
    return table;
  }

  /** The dialect this store uses. */
  public SqlDialect dialect() {
    return dialect;
  }

  // ---------------------------------------------------------------- operations

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    Objects.requireNonNull(query, "query");
    TokenKey key = TokenKey.of(query);
    return withConnection("find a token", c -> findOne(c, key));
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    TokenKey key = TokenKey.of(token);
    OAuthToken[] planned = new OAuthToken[1];
    try {
      return withConnection("save a token", c -> {
        dialect.beginWrite(c, table);
        boolean done = false;
        try {
          OAuthToken stored = findOne(c, key).orElse(null);
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
          write(c, p);
          dialect.commit(c, table);
          done = true;
          return p;
        } finally {
          if (!done) {
            rollbackQuietly(c);
          }
        }
      });
    } catch (DuplicateRow e) {
      OAuthToken p = planned[0];
      OAuthToken other = p == null ? null : findDuplicateOf(p);
      if (p != null && other != null) {
        throw TokenRules.duplicate(p, other);
      }
      throw new TokenStoreException(ErrorCode.DUPLICATE_TOKEN, "The " + description + " refused "
          + (p == null ? "the token" : TokenRules.describe(p)) + ": it would violate a unique constraint of the "
          + "table (another record with the same id, or with the same user name, client id and API domain, or a "
          + "constraint added to the table). Save by user name or id to update the existing record, or delete "
          + "one of the two.", e.getCause());
    }
  }

  /**
   * Saves {@code update} only if the record with its id still holds the access and refresh token of
   * {@code expected}, in one write transaction like {@link #saveToken}; see {@link ConditionalSave}.
   */
  @Override
  public Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update) {
    Objects.requireNonNull(expected, "expected");
    String id = ConditionalSave.requireId(Objects.requireNonNull(update, "update"));
    try {
      return withConnection("save a refreshed token", c -> {
        dialect.beginWrite(c, table);
        boolean done = false;
        try {
          OAuthToken stored = findOne(c, new TokenKey.ById(id)).orElse(null);
          if (!ConditionalSave.matches(stored, expected)) {
            dialect.commit(c, table);
            done = true;
            return Optional.<OAuthToken>empty();
          }
          OAuthToken p = TokenRules.planSave(stored, update);
          if (!Objects.equals(TokenRules.uniqueKey(stored), TokenRules.uniqueKey(p))) {
            checkUnique(c, p);
          }
          write(c, p);
          dialect.commit(c, table);
          done = true;
          return Optional.of(p);
        } finally {
          if (!done) {
            rollbackQuietly(c);
          }
        }
      });
    } catch (DuplicateRow e) {
      throw new TokenStoreException(ErrorCode.DUPLICATE_TOKEN, "The " + description + " refused the refreshed "
          + "token id " + id + ": it would violate a unique constraint of the table.", e.getCause());
    }
  }

  /** Leases in the table {@code tokenstore_lease} of this database; see the class comment. */
  @Override
  public RefreshCoordinator refreshCoordinator() {
    return coordinator;
  }

  @Override
  public boolean deleteToken(String id) {
    Objects.requireNonNull(id, "id");
    return withConnection("delete a token", c -> {
      try (PreparedStatement ps = c.prepareStatement(deleteById)) {
        ps.setString(1, id);
        return ps.executeUpdate() > 0;
      }
    });
  }

  @Override
  public List<OAuthToken> getTokens() {
    return withConnection("list the tokens", c -> {
      List<OAuthToken> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(selectAll); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      out.sort(TokenRules.BY_ID);
      return out;
    });
  }

  @Override
  public void deleteTokens() {
    withConnection("delete all tokens", c -> {
      try (PreparedStatement ps = c.prepareStatement(deleteAll)) {
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    Objects.requireNonNull(id, "id");
    return withConnection("find a token by id", c -> findOne(c, new TokenKey.ById(id)));
  }

  /** Closes the connection pool this store opened (not a caller's {@code DataSource}). Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (ownedResource != null) {
      try {
        ownedResource.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "Closing the connection pool of the " + description + " failed: "
            + e.getClass().getName());
      }
    }
  }

  /** The dialect, the store (file path or data source type) and the table; never a password or token. */
  @Override
  public String toString() {
    return "JdbcTokenStore{" + description + ", dialect=" + dialect.name() + ", table=" + table
        + (closed.get() ? ", closed" : "") + "}";
  }

  // ---------------------------------------------------------------- matching rules as SQL

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

  private Optional<OAuthToken> findOne(Connection c, TokenKey key) throws SQLException {
    Where w = where(key);
    if (w == null) {
      return Optional.empty();
    }
    List<OAuthToken> matches = new ArrayList<>(2);
    try (PreparedStatement ps = c.prepareStatement(selectPrefix + w.clause() + " LIMIT 2")) {
      for (int i = 0; i < w.parameters().size(); i++) {
        ps.setString(i + 1, w.parameters().get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OAuthToken t = read(rs);
          if (key.matches(t)) { // the engine's comparison may be looser (collations); the rules decide
            matches.add(t);
          }
        }
      }
    }
    return TokenRules.single(key, matches);
  }

  /** Fails with {@link TokenRules#duplicate} if another record has {@code p}'s user, client and API domain. */
  private void checkUnique(Connection c, OAuthToken p) throws SQLException {
    TokenRules.UniqueKey unique = TokenRules.uniqueKey(p);
    if (unique == null) {
      return;
    }
    OAuthToken other = findSameUser(c, p, unique);
    if (other != null) {
      throw TokenRules.duplicate(p, other);
    }
  }

  private @Nullable OAuthToken findSameUser(Connection c, OAuthToken p, TokenRules.UniqueKey unique)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(selectByUser)) {
      ps.setString(1, unique.userName());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OAuthToken other = read(rs);
          if (!Objects.equals(other.id(), p.id()) && unique.equals(TokenRules.uniqueKey(other))) {
            return other;
          }
        }
      }
    }
    return null;
  }

  private @Nullable OAuthToken findDuplicateOf(OAuthToken p) {
    TokenRules.UniqueKey unique = TokenRules.uniqueKey(p);
    try {
      return withConnection("look up a duplicate", c -> {
        if (unique != null) {
          OAuthToken other = findSameUser(c, p, unique);
          if (other != null) {
            return other;
          }
        }
        return p.id() == null ? null : findOne(c, new TokenKey.ById(p.id())).orElse(null);
      });
    } catch (TokenStoreException e) {
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

  private void write(Connection c, OAuthToken t) throws SQLException {
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
  private OAuthToken read(ResultSet rs) throws SQLException {
    List<@Nullable String> values = ZohoRecord.emptyValues();
    for (int i = 0; i < values.size(); i++) {
      values.set(i, rs.getString(i + 1));
    }
    try {
      return ZohoRecord.fromValues(values);
    } catch (IllegalArgumentException e) {
      throw new TokenStoreException(ErrorCode.CORRUPT_STORE, "The expiry_time of token id " + values.get(0)
          + " in the " + description + " is not a time in epoch milliseconds. Correct that row's expiry_time "
          + "(or set it empty), or delete the row.");
    }
  }

  // ---------------------------------------------------------------- connections, errors

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Thrown inside {@link #withConnection} for a unique-constraint violation, mapped by the save. */
  private static final class DuplicateRow extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DuplicateRow(SQLException cause) {
      super(cause.getClass().getName(), cause, false, false);
    }
  }

  private <T> T withConnection(String action, SqlWork<T> work) {
    checkOpen();
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failure(action, e);
    } catch (TokenStoreException e) {
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
        return new TokenStoreException(ErrorCode.CORRUPT_STORE, "Could not " + action + ": the " + description
            + " is not readable (damaged, or not a database of this kind). Restore it from a backup or point "
            + "the store at another database.", e);
      default:
        return new TokenStoreException(ErrorCode.STORE_UNAVAILABLE, "Could not " + action + " in the "
            + description + " (" + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState() + ", code "
            + e.getErrorCode() + "). Check that the database is reachable and writable, then retry.", e);
    }
  }

  /**
   * Rolls back; if that fails, closes the physical connection (which ends any transaction and its locks) so a
   * pool can never hand out a connection still inside a write transaction.
   */
  private void rollbackQuietly(Connection c) {
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

  private TokenStoreException closedException() {
    return new TokenStoreException(ErrorCode.STORE_CLOSED, "The " + description + " is closed; open a new one.");
  }

  // ---------------------------------------------------------------- schema

  private void prepareSchema(boolean create) {
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
      nextId = dialect.nextIdSql(table, schemaVersion(c));
    } catch (SQLException e) {
      throw asOpenFailure(e);
    }
  }

  /** The schema version recorded for the table; 0 when none is (a table made by Zoho's DDL, createSchema off). */
  private int schemaVersion(Connection c) throws SQLException {
    if (!dialect.tableExists(c, SCHEMA_TABLE)) {
      return 0;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT version FROM " + dialect.quote(SCHEMA_TABLE) + " WHERE table_name = ?")) {
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
      int current = 0;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT version FROM " + dialect.quote(SCHEMA_TABLE) + " WHERE table_name = ?")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            current = rs.getInt(1);
          }
        }
      }
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
        rollbackQuietly(c);
      }
    }
  }

  /** Checks that the table has Zoho's ten columns; when it does not exist, fails only if {@code required}. */
  private void verifyLayout(Connection c, boolean required) throws SQLException {
    if (!dialect.tableExists(c, table)) {
      if (!required) {
        return; // no table yet: the migrations create it
      }
      throw new TokenStoreException(ErrorCode.STORE_UNAVAILABLE, "The table of the " + description
          + " does not exist (or cannot be read) and creating it is turned off. Create it with Zoho's DDL or "
          + "open the store with createSchema(true).");
    }
    try (PreparedStatement ps = c.prepareStatement(selectAll + " WHERE 1 = 0"); ResultSet rs = ps.executeQuery()) {
      rs.next();
    } catch (SQLException e) {
      if (dialect.classify(e) == SqlDialect.Failure.CORRUPT) {
        throw e;
      }
      throw new TokenStoreException(ErrorCode.CORRUPT_STORE, "The table of the " + description + " exists "
          + "but lacks some of the columns " + COLUMN_LIST + ". Point the store at a token table (table=...), "
          + "or rename that table.", e);
    }
  }

  private TokenStoreException asOpenFailure(SQLException e) {
    if (dialect.classify(e) == SqlDialect.Failure.CORRUPT) {
      return new TokenStoreException(ErrorCode.CORRUPT_STORE, "The " + description + " is not a readable "
          + dialect.name() + " database (damaged, or another kind of file). Point the store at a database, or "
          + "move the file away so that a new one is created.", e);
    }
    return new TokenStoreException(ErrorCode.STORE_UNAVAILABLE, "Could not open the " + description + " ("
        + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState() + ", code " + e.getErrorCode() + "). "
        + "Check that the database is reachable and that this process may read and write it.", e);
  }

  // ---------------------------------------------------------------- builder

  /**
   * Builds a {@link JdbcTokenStore}. Set either a {@link #dataSource} with a {@link #dialect}, or a SQLite
   * file ({@link #sqliteFile}) or {@link #sqliteInMemory()}. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable DataSource dataSource;
    private com.zaxxer.hikari.@Nullable HikariDataSource ownedPool;
    private @Nullable SqlDialect dialect;
    private @Nullable Path sqliteFile;
    private boolean sqliteMemory;
    private String table = DEFAULT_TABLE;
    private boolean createSchema = true;
    private @Nullable String description;

    private Builder() {}

    /** The caller's data source; the store does not close it. Needs a {@link #dialect}. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** A pool this module opened for the store; the store closes it (also when {@link #build} fails). */
    Builder ownedPool(com.zaxxer.hikari.HikariDataSource pool) {
      this.ownedPool = Objects.requireNonNull(pool, "pool");
      return this;
    }

    /** The SQL dialect of the data source's engine. */
    public Builder dialect(SqlDialect dialect) {
      this.dialect = Objects.requireNonNull(dialect, "dialect");
      return this;
    }

    /** A SQLite database file, created 0600 when missing, with a connection pool the store owns. */
    public Builder sqliteFile(Path file) {
      this.sqliteFile = Objects.requireNonNull(file, "file");
      this.dialect = SqlDialect.sqlite();
      return this;
    }

    /** A new SQLite database in memory, on one connection the store owns. */
    public Builder sqliteInMemory() {
      this.sqliteMemory = true;
      this.dialect = SqlDialect.sqlite();
      return this;
    }

    /**
     * The table name (default {@code oauthtoken}): 1 to 64 letters, digits or underscores, not starting with a
     * digit.
     *
     * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} for any other name
     */
    public Builder table(String table) {
      this.table = Identifiers.require(Objects.requireNonNull(table, "table"), ErrorCode.INVALID_ARGUMENT);
      return this;
    }

    /** Whether to create the table and indexes when missing and apply schema upgrades (default true). */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /**
     * How messages name the store, e.g. {@code "SQLite store /var/app/tokens.db"}. Must not contain a password.
     * Defaults to the dialect and data source type.
     */
    public Builder description(String description) {
      this.description = Objects.requireNonNull(description, "description");
      return this;
    }

    /**
     * Opens the store: creates the pool (for SQLite files and memory), applies the schema and checks the
     * table's layout.
     *
     * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} for a missing or conflicting setting;
     *     {@link ErrorCode#CORRUPT_STORE} for a file that is not a database or a table with other columns;
     *     {@link ErrorCode#STORE_UNAVAILABLE} when the database cannot be reached or created
     */
    public JdbcTokenStore build() {
      int sources = (dataSource != null ? 1 : 0) + (sqliteFile != null ? 1 : 0) + (sqliteMemory ? 1 : 0)
          + (ownedPool != null ? 1 : 0);
      if (sources != 1) {
        if (ownedPool != null) {
          ownedPool.close();
        }
        throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT, "Set exactly one of dataSource(...), "
            + "sqliteFile(...) and sqliteInMemory() on the JdbcTokenStore builder (" + sources + " set).");
      }
      if (dialect == null) {
        throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT, "Set the SQL dialect of the data source with "
            + "dialect(...), e.g. dialect(SqlDialect.sqlite()).");
      }
      DataSource ds;
      AutoCloseable owned = null;
      if (sqliteFile != null) {
        if (description == null) {
          description = "SQLite store " + sqliteFile.toAbsolutePath().normalize() + " (table " + table + ")";
        }
        com.zaxxer.hikari.HikariDataSource pool = SqlitePools.file(sqliteFile, description);
        ds = pool;
        owned = pool;
      } else if (sqliteMemory) {
        if (description == null) {
          description = "SQLite in-memory store (table " + table + ")";
        }
        com.zaxxer.hikari.HikariDataSource pool = SqlitePools.memory(description);
        ds = pool;
        owned = pool;
      } else if (ownedPool != null) {
        ds = ownedPool;
        owned = ownedPool;
      } else {
        ds = Objects.requireNonNull(dataSource);
      }
      JdbcTokenStore store = new JdbcTokenStore(this, ds, owned);
      try {
        store.prepareSchema(createSchema);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    }
  }
}
