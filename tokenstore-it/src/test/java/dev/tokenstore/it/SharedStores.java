package dev.tokenstore.it;

import dev.tokenstore.testservers.TestServers;
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
 * Store URIs for the harness, one fresh store per call: a SQLite or CSV file in {@code dir}, a new database on
 * the shared MariaDB or PostgreSQL test server ({@link TestServers}, started once per JVM), or a fresh prefix on
 * a Redis server ({@code TOKENSTORE_TEST_REDIS_URI}, else an embedded redis-server started once per JVM and
 * stopped by a shutdown hook). Thread-safe.
 */
final class SharedStores {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static String redisBase;

  private SharedStores() {}

  static String uri(String kind, Path dir) {
    return switch (kind) {
      case "sqlite" -> "sqlite:" + dir.resolve("tokens.db");
      case "file" -> "file:" + dir.resolve("sdk_tokens.txt");
      case "mariadb" -> TestServers.mariadb().storeUri();
      case "postgresql" -> TestServers.postgres().storeUri();
      case "redis" -> redisBase() + "?prefix=ts-it-" + ProcessHandle.current().pid() + "-"
          + PREFIXES.incrementAndGet();
      default -> throw new IllegalArgumentException(kind);
    };
  }

  private static synchronized String redisBase() {
    if (redisBase == null) {
      String external = System.getenv("TOKENSTORE_TEST_REDIS_URI");
      if (external != null && !external.isBlank()) {
        redisBase = external.strip();
      } else {
        int port = freePort();
        try {
          Path bin = Path.of(System.getProperty("user.dir"), "target", "embedded-redis").toAbsolutePath();
          Files.createDirectories(bin);
          File binDir = bin.toFile();
          RedisServer server = RedisServer.newRedisServer()
              .executableProvider(ExecutableProvider.newJarResourceProvider(binDir))
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
              // the JVM is ending
            }
          }, "embedded-redis-stop"));
        } catch (IOException | RuntimeException e) {
          throw new AssertionError("Could not start an embedded redis-server (" + e + "). Install Redis, start "
              + "it and set TOKENSTORE_TEST_REDIS_URI=redis://127.0.0.1:6379/0.", e);
        }
        redisBase = "redis://127.0.0.1:" + port + "/0";
      }
    }
    return redisBase;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("No free local port: " + e, e);
    }
  }
}
