package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.GrantedLease;
import dev.tokenstore.spi.RefreshCoordinator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Refresh leases in the table {@value #LEASE_TABLE} of the store's database, one row per (token table,
 * environment, token id), keyed by the SHA-256 of the three. A row holds the fence (grows with every grant),
 * the lease's end in epoch milliseconds and a random holder.
 *
 * <ul>
 *   <li>Grant: read the row, then a compare-and-set
 *       {@code UPDATE ... SET fence = fence + 1, lease_until = now + lease, holder = ? WHERE lease_key = ? AND
 *       fence = <read> AND lease_until < now}; one updated row is the lease. A missing row is inserted (a
 *       unique violation means another process was first). {@code now} is the database's clock
 *       ({@link SqlDialect#currentTimeMillisSql()}), so client clock skew does not matter.
 *   <li>Release: {@code UPDATE ... SET lease_until = 0 WHERE lease_key = ? AND holder = ? AND fence = ?}: only
 *       our own grant. A holder that dies leaves the row, which any process takes over after the lease time.
 *   <li>Waiting ({@link #awaitRelease}), PostgreSQL only: the release also sends {@code pg_notify} with the key
 *       (one statement: {@code WITH r AS (UPDATE ... RETURNING lease_key) SELECT pg_notify(...) FROM r}), which
 *       a {@link PgReleaseListener} per coordinator receives; a waiter registers, reads the lease's remaining
 *       time (a lease already released or expired returns at once) and waits for the notification, at most the
 *       poll interval and never past the lease's end. SQLite and MySQL/MariaDB do not wait here (the manager
 *       polls with a short backoff).
 * </ul>
 * Every statement runs in auto-commit mode: a single-row compare-and-set needs no longer transaction and holds
 * no lock beyond the statement (SQLite: the write lock of one statement, with the pool's busy timeout).
 * The table is created on first use ({@code CREATE TABLE IF NOT EXISTS}); it is shared by every token table of
 * the database.
 *
 * <p>Thread-safe.
 */
final class JdbcRefreshCoordinator implements RefreshCoordinator {
  static final String LEASE_TABLE = "tokenstore_lease";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final String table;
  private final String description;
  private final String select;
  private final String grant;
  private final String insert;
  private final String release;
  private final @Nullable String now;
  private final String remaining;
  private final @Nullable PgReleaseListener listener;
  private volatile boolean ready;

  JdbcRefreshCoordinator(DataSource dataSource, SqlDialect dialect, String table, String description) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.table = table;
    this.description = description;
    this.now = dialect.currentTimeMillisSql();
    String n = now != null ? now : "?";
    String t = dialect.quote(LEASE_TABLE);
    this.select = "SELECT fence, lease_until FROM " + t + " WHERE lease_key = ?";
    this.grant = "UPDATE " + t + " SET fence = fence + 1, lease_until = " + n + " + ?, holder = ? "
        + "WHERE lease_key = ? AND fence = ? AND lease_until < " + n;
    this.insert = "INSERT INTO " + t + " (lease_key, holder, fence, lease_until) VALUES (?, ?, 1, " + n + " + ?)";
    String clear = "UPDATE " + t + " SET lease_until = 0, holder = '' WHERE lease_key = ? AND holder = ? "
        + "AND fence = ?";
    this.remaining = "SELECT lease_until - " + n + " FROM " + t + " WHERE lease_key = ?";
    if (dialect instanceof PostgresDialect) {
      this.release = "WITH r AS (" + clear + " RETURNING lease_key) SELECT pg_notify('" + PgReleaseListener.CHANNEL
          + "', lease_key) FROM r";
      this.listener = new PgReleaseListener(dataSource, description);
    } else {
      this.release = clear;
      this.listener = null;
    }
  }

  static String createTableSql(SqlDialect dialect) {
    return "CREATE TABLE IF NOT EXISTS " + dialect.quote(LEASE_TABLE) + " (lease_key varchar(64) NOT NULL "
        + "PRIMARY KEY, holder varchar(64) NOT NULL, fence bigint NOT NULL, lease_until bigint NOT NULL)";
  }

  @Override
  public Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease) {
    String key = keyOf(identity);
    String holder = HexFormat.of().formatHex(randomBytes());
    long leaseMillis = Math.max(1, lease.toMillis());
    try (Connection c = dataSource.getConnection()) {
      ensureTable(c);
      long fence;
      long until;
      try (PreparedStatement ps = c.prepareStatement(select)) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            fence = -1;
            until = 0;
          } else {
            fence = rs.getLong(1);
            until = rs.getLong(2);
          }
        }
      }
      long started = System.nanoTime();
      if (fence < 0) {
        try (PreparedStatement ps = c.prepareStatement(insert)) {
          ps.setString(1, key);
          ps.setString(2, holder);
          int i = bindNow(ps, 3);
          ps.setLong(i, leaseMillis);
          ps.executeUpdate();
        } catch (SQLException e) {
          if (dialect.classify(e) == SqlDialect.Failure.UNIQUE_VIOLATION) {
            return Optional.empty(); // another process inserted it first and holds it
          }
          throw e;
        }
        return Optional.of(GrantedLease.of(1, started, lease, false, () -> release(key, holder, 1)));
      }
      try (PreparedStatement ps = c.prepareStatement(grant)) {
        int i = bindNow(ps, 1);
        ps.setLong(i++, leaseMillis);
        ps.setString(i++, holder);
        ps.setString(i++, key);
        ps.setLong(i++, fence);
        bindNow(ps, i);
        if (ps.executeUpdate() != 1) {
          return Optional.empty();
        }
      }
      long granted = fence + 1;
      return Optional.of(GrantedLease.of(granted, started, lease, until != 0, () -> release(key, holder, granted)));
    } catch (SQLException e) {
      throw unavailable("take a refresh lease", e);
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }

  /** Binds the client's clock when the dialect has no server clock expression; returns the next index. */
  private int bindNow(PreparedStatement ps, int index) throws SQLException {
    if (now != null) {
      return index;
    }
    ps.setLong(index, System.currentTimeMillis());
    return index + 1;
  }

  private void ensureTable(Connection c) throws SQLException {
    if (ready) {
      return;
    }
    try {
      SqlDialect.execute(c, createTableSql(dialect));
    } catch (SQLException e) {
      if (!dialect.alreadyExists(e) && !dialect.tableExists(c, LEASE_TABLE)) {
        throw e;
      }
    }
    ready = true;
  }

  private String keyOf(RefreshIdentity identity) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(table.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(identity.environment().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(identity.tokenId().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private StoreException unavailable(String action, SQLException e) {
    return new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not " + action + " in the " + description
        + " (" + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState() + ", code " + e.getErrorCode()
        + "). Check that the database is reachable and that this user may create and write the table "
        + LEASE_TABLE + ".", e);
  }

  @Override
  public String toString() {
    return "JdbcRefreshCoordinator{" + description + "}";
  }

  @Override
  public boolean awaitRelease(RefreshIdentity identity, Duration max) throws InterruptedException {
    PgReleaseListener l = listener;
    if (l == null) {
      return false;
    }
    String key = keyOf(identity);
    CountDownLatch released = l.register(key);
    if (released == null) {
      return false; // cannot listen now: the manager polls
    }
    try {
      long left; // the lease's remaining time on the database's clock, read after registering: no release is missed
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(remaining)) {
        int i = bindNow(ps, 1);
        ps.setString(i, key);
        try (ResultSet rs = ps.executeQuery()) {
          left = rs.next() ? rs.getLong(1) : 0;
        }
      } catch (SQLException e) {
        throw unavailable("read a refresh lease", e);
      }
      long wait = Math.min(Math.max(0, max.toMillis()), left);
      if (wait > 0) {
        released.await(wait, TimeUnit.MILLISECONDS);
      }
      return true;
    } finally {
      l.done();
    }
  }

  /** Stops listening for releases (PostgreSQL); waiters return at once. Idempotent. */
  void close() {
    if (listener != null) {
      listener.close();
    }
  }

  /** Clears the lease row {@code key} if it still holds this grant (never a later holder's). */
  private void release(String key, String holder, long fence) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(release)) {
      ps.setString(1, key);
      ps.setString(2, holder);
      ps.setLong(3, fence);
      ps.execute(); // PostgreSQL: a query (the notification); others: an update
    } catch (SQLException | RuntimeException e) {
      System.getLogger(JdbcRefreshCoordinator.class.getName()).log(System.Logger.Level.WARNING,
          "Could not release a refresh lease in the " + description + "; it expires by itself ("
              + e.getClass().getSimpleName() + ").");
    }
  }
}
