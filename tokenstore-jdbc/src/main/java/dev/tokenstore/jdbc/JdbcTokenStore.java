package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import dev.tokenstore.spi.ZohoRecord;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 * <p>Rows are read and written by column name: Zoho's ten, and {@code issued_at} ({@link OAuthToken#issuedAt()},
 * epoch milliseconds, nullable) when the table has it. The built-in dialects' schema migrations add that column
 * after Zoho's ten (also to Zoho-made tables; Zoho's SDKs insert with a column list and leave it {@code NULL});
 * a table without it (opened with {@code createSchema(false)}, or a custom dialect's) keeps no issue times.
 * Other columns that schema versions add are not touched by a save, so they need a default for inserts. A value this store does not have is written as SQL {@code NULL} (Zoho's
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
 * <p><b>Entries.</b> The store's {@link EntryTable} ({@code capability(EntryTable.class)}) keeps its rows in the
 * table {@code tokenstore_entry} ({@code kind, name, value}, primary key {@code (kind, name)}), created on first use.
 * Like {@code tokenstore_lease} it has one name per database, so every token table of the database shares the
 * entries; {@link #deleteTokens()} and {@link #deleteToken} leave them. Each operation is one parameterised
 * statement; an insert is create-if-absent with exactly one winner ({@code ON CONFLICT DO NOTHING}, or a
 * duplicate-key error on MySQL/MariaDB).
 *
 * <p><b>Pages.</b> {@code capability(TokenPages.class)} lists a page of tokens with one keyset query
 * ({@code WHERE (numeric id, id) > (?, ?) ORDER BY numeric id, id LIMIT ?}) that an index on (numeric id, id) serves
 * (a schema migration adds it), filters by user name, client id and status in SQL, and counts by status with one
 * {@code GROUP BY}: a page costs the same at any depth of a large table. Ids that are not 1 to 18 digits (which
 * neither this library nor Zoho's SDKs write) come after the numeric ones in the engine's binary text order.
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

  private final @Nullable AutoCloseable ownedResource;
  private final SqlDialect dialect;
  private final String table;
  private final String description;

  private final JdbcConnections connections;
  private final TokenRows rows;
  private final TokenLookups lookups;
  private final TokenWrites writes;
  private final JdbcSchema schema;
  private final JdbcRefreshCoordinator coordinator;
  private final JdbcEntryTable entries;
  /** The store's paging in SQL, set when the schema is known; null for a dialect without it. */
  private volatile @Nullable JdbcTokenPages pages;

  private JdbcTokenStore(Builder b, DataSource dataSource, @Nullable AutoCloseable ownedResource) {
    this.ownedResource = ownedResource;
    this.dialect = Objects.requireNonNull(b.dialect, "dialect");
    this.table = b.table;
    this.description = b.description != null
        ? b.description
        : dialect.name() + " store on " + dataSource.getClass().getSimpleName() + ", table " + table;
    this.connections = new JdbcConnections(dataSource, dialect, table, description);
    this.rows = new TokenRows(dialect, table, description);
    this.lookups = new TokenLookups(rows);
    this.writes = new TokenWrites(connections, rows, lookups, dialect, table, description);
    this.schema = new JdbcSchema(dataSource, connections, rows, dialect, table, description);
    this.coordinator = new JdbcRefreshCoordinator(dataSource, dialect, table, description);
    this.entries = new JdbcEntryTable(connections, dialect, description);
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
    return connections.withConnection("find a token", c -> lookups.findOne(c, key));
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    return writes.save(token);
  }

  /** Saves the tokens in one write transaction: all or nothing. See {@link TokenStore#saveTokens}. */
  @Override
  public List<OAuthToken> saveTokens(List<OAuthToken> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    tokens.forEach(t -> TokenRules.requireWellFormed(Objects.requireNonNull(t, "token")));
    return tokens.isEmpty() ? List.of() : writes.saveAll(tokens, "save " + tokens.size() + " tokens");
  }

  /**
   * Saves {@code update} only if the record with its id still holds the access token, refresh token and client
   * secret of {@code expected}, in one write transaction like {@link #saveToken}; see {@link ConditionalSave}.
   */
  @Override
  public Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update) {
    Objects.requireNonNull(expected, "expected");
    String id = ConditionalSave.requireId(Objects.requireNonNull(update, "update"));
    return writes.saveIf(expected, update, id);
  }

  /** Leases in the table {@code tokenstore_lease} of this database; see the class comment. */
  @Override
  public RefreshCoordinator refreshCoordinator() {
    return coordinator;
  }

  /**
   * {@link EntryTable}: the entries in the table {@code tokenstore_entry} of this database (created on first use,
   * shared by every token table of the database; see the class comment); {@link TokenPages}: pages and counts in
   * SQL (see the class comment), for the built-in dialects; otherwise as {@link TokenStore#capability}.
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type == EntryTable.class) {
      return Optional.of(type.cast(entries));
    }
    if (type == TokenPages.class) {
      return Optional.ofNullable(pages).map(type::cast);
    }
    return TokenStore.super.capability(type);
  }

  @Override
  public boolean deleteToken(String id) {
    Objects.requireNonNull(id, "id");
    return connections.withConnection("delete a token", c -> {
      try (PreparedStatement ps = c.prepareStatement(rows.deleteById)) {
        ps.setString(1, id);
        return ps.executeUpdate() > 0;
      }
    });
  }

  @Override
  public List<OAuthToken> getTokens() {
    return connections.withConnection("list the tokens", c -> {
      List<OAuthToken> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(rows.selectAll); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rows.read(rs));
        }
      }
      out.sort(TokenRules.BY_ID);
      return out;
    });
  }

  @Override
  public void deleteTokens() {
    connections.withConnection("delete all tokens", c -> {
      try (PreparedStatement ps = c.prepareStatement(rows.deleteAll)) {
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    Objects.requireNonNull(id, "id");
    return connections.withConnection("find a token by id", c -> lookups.findOne(c, new TokenKey.ById(id)));
  }

  /** Closes the connection pool this store opened (not a caller's {@code DataSource}). Idempotent. */
  @Override
  public void close() {
    if (!connections.markClosed()) {
      return;
    }
    coordinator.close();
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
        + (connections.isClosed() ? ", closed" : "") + "}";
  }

  /** Prepares the schema ({@link JdbcSchema}) and takes new ids as the table's schema version needs. */
  private void prepareSchema(boolean create) {
    int version = schema.prepare(create);
    writes.schemaVersion(version);
    if (dialect.idNumberSql(version) != null) {
      pages = new JdbcTokenPages(connections, rows, dialect, table, version);
    }
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
     * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} for any other name
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
     * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} for a missing or conflicting setting;
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
        throw new StoreException(ErrorCode.INVALID_ARGUMENT, "Set exactly one of dataSource(...), "
            + "sqliteFile(...) and sqliteInMemory() on the JdbcTokenStore builder (" + sources + " set).");
      }
      if (dialect == null) {
        throw new StoreException(ErrorCode.INVALID_ARGUMENT, "Set the SQL dialect of the data source with "
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
