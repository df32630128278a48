package dev.tokenstore.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis server of a test run: the one in {@code TOKENSTORE_TEST_REDIS_URI} when set (e.g.
 * {@code redis://127.0.0.1:6379/0}), otherwise an embedded redis-server started once per JVM on a free port and
 * stopped by a shutdown hook. If no server can be had the test fails with a message that says what to do;
 * it is never skipped. Thread-safe.
 */
final class RedisTestServer {
  static final String ENV = "TOKENSTORE_TEST_REDIS_URI";
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static String baseUri;

  private RedisTestServer() {}

  /** The server's URI without query, e.g. {@code redis://127.0.0.1:41234/0}. */
  static synchronized String baseUri() {
    if (baseUri == null) {
      String external = System.getenv(ENV);
      if (external != null && !external.isBlank()) {
        baseUri = external.strip();
      } else {
        Started started = startOnFreePort(null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(started.server()), "embedded-redis-stop"));
        baseUri = "redis://127.0.0.1:" + started.port() + "/0";
      }
    }
    return baseUri;
  }

  /** A prefix no other test in this run (or an earlier run on an external server) uses. */
  static String freshPrefix() {
    return "ts-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + PREFIXES.incrementAndGet();
  }

  /** The URI of a store with a fresh prefix on the test server. */
  static String freshStoreUri() {
    return storeUri(freshPrefix());
  }

  static String storeUri(String prefix) {
    return baseUri() + "?prefix=" + prefix;
  }

  /** A started embedded server and the port it listens on. */
  record Started(RedisServer server, int port) {}

  /**
   * Starts an embedded redis-server on a free port (requiring {@code password} when not null). The port is free
   * when chosen but released before redis binds it, so on a busy machine another process may take it meanwhile:
   * a start that fails is tried again on another port (three attempts in all).
   */
  static Started startOnFreePort(String password) {
    AssertionError last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      try {
        return new Started(start(port, password), port);
      } catch (AssertionError e) {
        last = e;
      }
    }
    throw last;
  }

  /** Starts an embedded redis-server on {@code port} (requiring {@code password} when not null). */
  static RedisServer start(int port, String password) {
    try {
      var builder = RedisServer.newRedisServer()
          .executableProvider(ExecutableProvider.newJarResourceProvider(binaryDir("embedded-redis")))
          .port(port)
          .bind("127.0.0.1")
          .setting("save \"\"")
          .setting("appendonly no");
      if (password != null) {
        builder.setting("requirepass " + password);
      }
      RedisServer server = builder.build();
      server.start();
      return server;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("Could not start an embedded redis-server on 127.0.0.1:" + port + " (" + e
          + "). The Redis tests need a Redis server: check that the temp directory ("
          + System.getProperty("java.io.tmpdir") + ") is writable and allows executing files (no noexec mount), "
          + "or install Redis (e.g. apt-get install redis-server), start it and set " + ENV
          + "=redis://127.0.0.1:6379/0 to run the tests against it.", e);
    }
  }

  /**
   * Where embedded-redis unpacks redis-server: under the module's {@code target} folder (removed by
   * {@code mvn clean}) rather than a new folder in the temp directory per server, which it would leave behind.
   */
  static File binaryDir(String name) throws IOException {
    Path dir = Path.of(System.getProperty("user.dir"), "target", name).toAbsolutePath();
    Files.createDirectories(dir);
    return dir.toFile();
  }

  static void stopQuietly(RedisServer server) {
    try {
      server.stop();
    } catch (IOException | RuntimeException e) {
      // the JVM is ending or the test is cleaning up; nothing more to do
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("No free local port for a test Redis server: " + e, e);
    }
  }
}
