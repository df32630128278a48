package dev.tokenstore.it;

import dev.tokenstore.testservers.TestServers;
import java.nio.file.Path;

/**
 * Store URIs for the harness, one fresh store per call: a SQLite or CSV file in {@code dir}, a new database on
 * the shared MariaDB or PostgreSQL test server, or a fresh prefix on the test Redis ({@link TestServers}: each
 * server started once per JVM, or external ones named by environment variables). Thread-safe.
 */
final class SharedStores {
  private SharedStores() {}

  static String uri(String kind, Path dir) {
    return switch (kind) {
      case "sqlite" -> "sqlite:" + dir.resolve("tokens.db");
      case "file" -> "file:" + dir.resolve("sdk_tokens.txt");
      case "mariadb" -> TestServers.mariadb().storeUri();
      case "postgresql" -> TestServers.postgres().storeUri();
      case "redis" -> TestServers.redisStoreUri();
      default -> throw new IllegalArgumentException(kind);
    };
  }
}
