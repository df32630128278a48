package dev.tokenstore.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Connection pools for the SQLite stores this module opens itself.
 *
 * <p>File databases: WAL (readers never block the writer), {@code synchronous=FULL} (a saved token survives
 * power loss), {@code secure_delete} (the space a deleted or replaced token took is zeroed, so no copy of it stays
 * in the database file; older page versions in the {@code -wal} file are gone once the last connection closes),
 * {@code busy_timeout} 10 s, a small HikariCP pool. A database file this class creates is created
 * empty with mode 0600 before SQLite opens it (and missing folders with 0700); SQLite gives its {@code -wal},
 * {@code -shm} and {@code -journal} files the permissions of the database file, so they are 0600 too. Existing
 * files keep their permissions.
 *
 * <p>{@code :memory:}: exactly one connection that is never retired, because every SQLite in-memory connection
 * is a database of its own; threads take turns on it.
 *
 * <p>Thread-safe (stateless apart from a counter for pool names).
 */
final class SqlitePools {
  /** How long a save waits for another connection's or process's write lock. */
  static final int BUSY_TIMEOUT_MS = 10_000;

  private static final int FILE_POOL_SIZE = 4;
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private SqlitePools() {}

  /** A pool on the database file {@code file}, created (0600, folders 0700) when missing. */
  static HikariDataSource file(Path file, String description) {
    Path abs = file.toAbsolutePath().normalize();
    createIfMissing(abs, description);
    SQLiteConfig cfg = baseConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    // Overwrite what a delete or update frees with zeros: no copy of a deleted or replaced token stays behind in
    // the file's free space.
    cfg.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
    SQLiteDataSource ds = new SQLiteDataSource(cfg);
    ds.setUrl("jdbc:sqlite:" + abs);
    HikariConfig hc = new HikariConfig();
    hc.setDataSource(ds);
    hc.setPoolName("tokenstore-sqlite-" + POOLS.incrementAndGet());
    hc.setMaximumPoolSize(FILE_POOL_SIZE);
    hc.setMinimumIdle(1);
    return start(hc, description);
  }

  /** A pool of exactly one connection to a new in-memory database. */
  static HikariDataSource memory(String description) {
    SQLiteDataSource ds = new SQLiteDataSource(baseConfig());
    ds.setUrl("jdbc:sqlite::memory:");
    HikariConfig hc = new HikariConfig();
    hc.setDataSource(ds);
    hc.setPoolName("tokenstore-sqlite-memory-" + POOLS.incrementAndGet());
    hc.setMaximumPoolSize(1);
    hc.setMinimumIdle(1);
    hc.setMaxLifetime(0); // never retire the connection: it is the database
    hc.setIdleTimeout(0);
    hc.setKeepaliveTime(0);
    return start(hc, description);
  }

  private static SQLiteConfig baseConfig() {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
    // Any transaction the driver itself begins takes the write lock at once; the store's own saves use
    // explicit BEGIN IMMEDIATE (see SqliteDialect).
    cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    return cfg;
  }

  private static HikariDataSource start(HikariConfig hc, String description) {
    hc.setConnectionTimeout(30_000);
    try {
      return new HikariDataSource(hc);
    } catch (RuntimeException e) {
      SQLException sql = findSql(e);
      ErrorCode code = sql != null && SqliteDialect.INSTANCE.classify(sql) == SqlDialect.Failure.CORRUPT
          ? ErrorCode.CORRUPT_STORE
          : ErrorCode.STORE_UNAVAILABLE;
      String what = code == ErrorCode.CORRUPT_STORE
          ? " is not a readable SQLite database (damaged, or another kind of file). Point the store at a "
              + "SQLite file, or move this file away so that a new database is created."
          : " cannot be opened. Check that the path is right and that this process may read and write the "
              + "file and its folder.";
      throw new StoreException(code, description + what, e);
    }
  }

  private static @org.jspecify.annotations.Nullable SQLException findSql(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        return (SQLException) t;
      }
    }
    return null;
  }

  private static void createIfMissing(Path abs, String description) {
    if (Files.exists(abs)) {
      return;
    }
    try {
      Path dir = abs.getParent();
      if (dir != null && !Files.isDirectory(dir)) {
        if (POSIX) {
          Files.createDirectories(dir, attrs("rwx------"));
        } else {
          Files.createDirectories(dir);
        }
      }
      if (POSIX) {
        Files.createFile(abs, attrs("rw-------"));
        Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rw-------"));
      } else {
        Files.createFile(abs);
      }
    } catch (FileAlreadyExistsException e) {
      // Another process created it first; use theirs.
    } catch (IOException e) {
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, description + " cannot be created ("
          + e.getClass().getSimpleName() + "). Check that the folder exists or can be created and is writable.",
          e);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> attrs(String perms) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms));
  }
}
