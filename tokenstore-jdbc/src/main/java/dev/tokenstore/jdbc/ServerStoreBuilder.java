package dev.tokenstore.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.StoreUris;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Opens a {@link JdbcTokenStore} on a MySQL/MariaDB or PostgreSQL server with a connection pool (HikariCP) the
 * store owns, from the parameters of Zoho's DBStore:
 *
 * <pre>{@code
 * JdbcTokenStore store = JdbcTokenStore.mysql()
 *     .host("db.internal").port(3306).database("zohooauth").table("oauthtoken")
 *     .user("app").password(secret).build();
 * JdbcTokenStore pg = JdbcTokenStore.postgres().host("db").database("tokens").user("app").password(pw)
 *     .property("sslmode", "verify-full").build();
 * }</pre>
 *
 * <p>Defaults (Zoho's): host {@code localhost}, port 3306 (PostgreSQL: 5432), database {@code zohooauth}, table
 * {@code oauthtoken}, user {@code root} (PostgreSQL: {@code postgres}), empty password.
 *
 * <p><b>Drivers.</b> The JDBC drivers are optional dependencies: add {@code org.mariadb.jdbc:mariadb-java-client}
 * for MySQL/MariaDB (MySQL Connector/J {@code com.mysql:mysql-connector-j} is used when it is the only one) or
 * {@code org.postgresql:postgresql}. Driver properties ({@link #property}) are passed to the driver as they are:
 * TLS is whatever the driver and these properties say (MariaDB Connector/J 4 uses TLS by default; for a local
 * server without TLS pass {@code sslMode=disable} yourself). Only when unset, the connect timeout is set to 5 s
 * and the socket timeout to 60 s, so that a dead server gives an error instead of a hang.
 *
 * <p><b>Pool.</b> Up to {@link #poolSize} connections (default {@value #DEFAULT_POOL_SIZE}); a caller waits at
 * most {@value #CONNECTION_TIMEOUT_MS} ms for one. Opening fails at once with {@code STORE_UNAVAILABLE} when the
 * server cannot be reached; an open store whose server goes away fails each operation with
 * {@code STORE_UNAVAILABLE} and works again, with new connections, once the server is back.
 *
 * <p>Passwords never appear in messages, {@code toString} or the pool's name. Not thread-safe (a builder).
 */
public final class ServerStoreBuilder {
  /** Connections per store unless {@link #poolSize} says otherwise. */
  public static final int DEFAULT_POOL_SIZE = 8;

  /** How long an operation waits for a pooled connection (and so for an unreachable server). */
  public static final int CONNECTION_TIMEOUT_MS = 5_000;

  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int SOCKET_TIMEOUT_MS = 60_000;
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._\\-]+|\\[[0-9A-Fa-f:.%a-zA-Z]+\\]");

  /** Which server. */
  enum Engine {
    MYSQL("mysql", 3306, "root"),
    POSTGRESQL("postgresql", 5432, "postgres");

    final String label;
    final int defaultPort;
    final String defaultUser;

    Engine(String label, int defaultPort, String defaultUser) {
      this.label = label;
      this.defaultPort = defaultPort;
      this.defaultUser = defaultUser;
    }
  }

  private final Engine engine;
  private String host = "localhost";
  private int port;
  private String database = "zohooauth";
  private String table = JdbcTokenStore.DEFAULT_TABLE;
  private String user;
  private String password = "";
  private final Map<String, String> properties = new LinkedHashMap<>();
  private boolean createSchema = true;
  private int poolSize = DEFAULT_POOL_SIZE;
  private @Nullable String jdbcUrl;

  ServerStoreBuilder(Engine engine) {
    this.engine = engine;
    this.port = engine.defaultPort;
    this.user = engine.defaultUser;
  }

  /** The server's host name or IP address (default {@code localhost}); IPv6 addresses with or without brackets. */
  public ServerStoreBuilder host(String host) {
    Objects.requireNonNull(host, "host");
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    if (!HOST.matcher(h).matches()) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The host '" + shorten(host) + "' is not a host "
          + "name or IP address.");
    }
    this.host = h;
    return this;
  }

  /** The server's port (default 3306 for MySQL/MariaDB, 5432 for PostgreSQL). */
  public ServerStoreBuilder port(int port) {
    if (port < 1 || port > 65535) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The port " + port + " is not in 1..65535.");
    }
    this.port = port;
    return this;
  }

  /** The database name (default {@code zohooauth}): letters, digits, {@code _}, {@code $} or {@code -}. */
  public ServerStoreBuilder database(String database) {
    Objects.requireNonNull(database, "database");
    if (!DATABASE.matcher(database).matches()) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The database name '" + shorten(database)
          + "' is not allowed: use 1 to 64 letters, digits, '_', '$' or '-'.");
    }
    this.database = database;
    return this;
  }

  /** The table name (default {@code oauthtoken}); see {@link JdbcTokenStore.Builder#table}. */
  public ServerStoreBuilder table(String table) {
    this.table = Identifiers.require(Objects.requireNonNull(table, "table"), ErrorCode.INVALID_ARGUMENT);
    return this;
  }

  /** The user name (default {@code root} for MySQL/MariaDB, {@code postgres} for PostgreSQL). */
  public ServerStoreBuilder user(String user) {
    this.user = Objects.requireNonNull(user, "user");
    return this;
  }

  /** The password (default empty). Never printed. */
  public ServerStoreBuilder password(String password) {
    this.password = Objects.requireNonNull(password, "password");
    return this;
  }

  /** A JDBC driver property, passed as is, e.g. {@code sslMode=verify-full} or {@code sslmode=require}. */
  public ServerStoreBuilder property(String key, String value) {
    properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /** Whether to create the table when missing and apply schema upgrades (default true). */
  public ServerStoreBuilder createSchema(boolean createSchema) {
    this.createSchema = createSchema;
    return this;
  }

  /** The most connections the store's pool opens (default {@value #DEFAULT_POOL_SIZE}). */
  public ServerStoreBuilder poolSize(int poolSize) {
    if (poolSize < 1 || poolSize > 1000) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The pool size " + poolSize + " is not in 1..1000.");
    }
    this.poolSize = poolSize;
    return this;
  }

  /**
   * A complete JDBC URL instead of host, port and database ({@code jdbc:mariadb:}, {@code jdbc:mysql:} or
   * {@code jdbc:postgresql:}); credentials may be in it or set with {@link #user}/{@link #password}.
   */
  ServerStoreBuilder jdbcUrl(String url, boolean credentialsSet) {
    this.jdbcUrl = url;
    if (!credentialsSet) {
      this.user = "";
    }
    return this;
  }

  /**
   * Opens the store: starts the pool (one connection is opened at once, so an unreachable server or wrong
   * password fails here), creates or upgrades the schema and checks the table's layout.
   *
   * @throws StoreException {@code STORE_UNAVAILABLE} when the server cannot be reached or refuses the
   *     login, or no driver is on the class path; {@code CORRUPT_STORE} for a table with other columns
   */
  public JdbcTokenStore build() {
    String url = jdbcUrl != null ? driverUrl(jdbcUrl) : engineUrl();
    String where = jdbcUrl != null
        ? StoreUris.mask(StoreUris.withoutQuery(jdbcUrl))
        : (user.isEmpty() ? "" : user + "@") + host + ":" + port + "/" + database;
    String description = engine.label + " store " + where + " (table " + table + ")";
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    if (!user.isEmpty()) {
      hc.setUsername(user);
      hc.setPassword(password);
    }
    Map<String, String> inUrl = urlParameterNames(url);
    boolean mysqlConnectorJ = url.startsWith("jdbc:mysql:");
    int timeUnit = engine == Engine.POSTGRESQL ? 1000 : 1; // PgJDBC takes seconds, the MySQL drivers ms
    putDefault(hc, inUrl, "connectTimeout", Integer.toString(CONNECT_TIMEOUT_MS / timeUnit));
    putDefault(hc, inUrl, "socketTimeout", Integer.toString(SOCKET_TIMEOUT_MS / timeUnit));
    if (mysqlConnectorJ) {
      putDefault(hc, inUrl, "characterEncoding", "UTF-8");
    }
    properties.forEach(hc::addDataSourceProperty);
    hc.setPoolName("tokenstore-" + engine.label + "-" + POOLS.incrementAndGet());
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(Math.min(2, poolSize));
    hc.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    hc.setValidationTimeout(Math.min(3_000, CONNECTION_TIMEOUT_MS - 1_000));
    hc.setInitializationFailTimeout(1); // one attempt at once: a dead server fails the open, not a later call
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      SQLException sql = findSql(e);
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not connect to the " + description
          + (sql == null ? "" : " (SQL state " + sql.getSQLState() + ", code " + sql.getErrorCode() + ")")
          + ". Check that the server is running and reachable, the database exists, and the user name, password "
          + "and TLS settings are right" + (engine == Engine.MYSQL ? " (MariaDB Connector/J uses TLS by "
          + "default: for a server without TLS add sslMode=disable)" : "") + ".", e);
    }
    return JdbcTokenStore.builder()
        .ownedPool(pool)
        .dialect(engine == Engine.POSTGRESQL ? SqlDialect.postgres() : SqlDialect.mysql())
        .table(table)
        .createSchema(createSchema)
        .description(description)
        .build();
  }

  private String engineUrl() {
    String scheme = engine == Engine.POSTGRESQL ? "jdbc:postgresql:" : mysqlScheme();
    return scheme + "//" + host + ":" + port + "/" + database;
  }

  /** The user's JDBC URL, for a driver that is present ({@code jdbc:mysql:} goes to MariaDB's driver if need be). */
  private String driverUrl(String url) {
    if (url.regionMatches(true, 0, "jdbc:mysql:", 0, 11) && !accepts(url)) {
      if (loadable("org.mariadb.jdbc.Driver")) {
        return "jdbc:mariadb:" + url.substring(11);
      }
    }
    if (!accepts(url)) {
      throw noDriver();
    }
    return url;
  }

  private String mysqlScheme() {
    if (loadable("org.mariadb.jdbc.Driver")) {
      return "jdbc:mariadb:";
    }
    if (loadable("com.mysql.cj.jdbc.Driver")) {
      return "jdbc:mysql:";
    }
    throw noDriver();
  }

  private StoreException noDriver() {
    String artifact = engine == Engine.POSTGRESQL
        ? "org.postgresql:postgresql"
        : "org.mariadb.jdbc:mariadb-java-client (or com.mysql:mysql-connector-j)";
    return new StoreException(ErrorCode.STORE_UNAVAILABLE, "No " + engine.label + " JDBC driver is on the "
        + "class path. Add the dependency " + artifact + " to the application.");
  }

  private static boolean accepts(String url) {
    try {
      Driver d = DriverManager.getDriver(url);
      return d != null;
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean loadable(String className) {
    try {
      Class.forName(className, true, ServerStoreBuilder.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private void putDefault(HikariConfig hc, Map<String, String> inUrl, String key, String value) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (inUrl.containsKey(lower)) {
      return;
    }
    for (String k : properties.keySet()) {
      if (k.equalsIgnoreCase(key)) {
        return;
      }
    }
    hc.addDataSourceProperty(key, value);
  }

  private static Map<String, String> urlParameterNames(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = url.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : url.substring(q + 1).split("[&;]")) {
      int eq = pair.indexOf('=');
      String k = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
      out.put(k, k);
    }
    return out;
  }

  private static @Nullable SQLException findSql(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        return (SQLException) t;
      }
    }
    return null;
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  @Override
  public String toString() {
    return "ServerStoreBuilder{" + engine.label + " " + user + "@" + host + ":" + port + "/" + database + ", table "
        + table + "}";
  }
}
