package dev.tokenstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL: one {@code LISTEN} on {@value #CHANNEL} per {@link JdbcRefreshCoordinator}, on a connection of its own
 * taken from the store's data source, read by one daemon thread ({@code PGConnection.getNotifications}). A release
 * sends {@code pg_notify(CHANNEL, lease_key)}; the thread opens the latch of every waiter on that key. The listener
 * starts on the first wait and gives its connection back after {@link #IDLE_MILLIS} without waiters, so an idle
 * store holds no extra connection. Notifications may be lost (a broken connection, a wait that started just after
 * one): waiters never rely on them, they bound every wait by the poll interval and the lease's expiry.
 *
 * <p>Thread-safe.
 */
final class PgReleaseListener implements AutoCloseable {
  static final String CHANNEL = "tokenstore_lease_released";
  private static final int IDLE_MILLIS = 30_000;
  private static final int READ_MILLIS = 250;
  private static final System.Logger LOG = System.getLogger(JdbcRefreshCoordinator.class.getName());

  private final DataSource dataSource;
  private final String description;
  private final ConcurrentHashMap<String, CountDownLatch> latches = new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Object lock = new Object();
  private @Nullable Thread thread; // guarded by lock
  private boolean closed; // guarded by lock

  PgReleaseListener(DataSource dataSource, String description) {
    this.dataSource = dataSource;
    this.description = description;
  }

  /**
   * Registers a waiter on {@code key} and makes sure the listener is listening (started in this thread, so a
   * release after this call returns is seen); null when listening is not possible now (the caller polls). The
   * caller waits on the latch, then calls {@link #done()}.
   */
  @Nullable CountDownLatch register(String key) {
    waiting.incrementAndGet(); // before the check, so that the listener does not stop as idle meanwhile
    if (!ensureListening()) {
      waiting.decrementAndGet();
      return null;
    }
    return latches.computeIfAbsent(key, k -> new CountDownLatch(1));
  }

  /** The end of a wait that {@link #register} began. */
  void done() {
    waiting.decrementAndGet();
  }

  private boolean ensureListening() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      if (thread != null && thread.isAlive()) {
        return true;
      }
      Connection c = null;
      try {
        c = dataSource.getConnection();
        c.setAutoCommit(true);
        PGConnection pg = c.unwrap(PGConnection.class);
        SqlDialect.execute(c, "LISTEN " + CHANNEL);
        Connection own = c;
        Thread t = new Thread(() -> listen(own, pg), "tokenstore-pg-lease-listener");
        t.setDaemon(true);
        thread = t;
        t.start();
        return true;
      } catch (SQLException | RuntimeException e) {
        closeQuietly(c);
        LOG.log(System.Logger.Level.DEBUG, () -> "Cannot listen for lease releases in the " + description
            + "; waiters poll (" + e.getClass().getSimpleName() + ")");
        return false;
      }
    }
  }

  private void listen(Connection c, PGConnection pg) {
    long idleSince = System.nanoTime();
    try {
      while (true) {
        PGNotification[] got = pg.getNotifications(READ_MILLIS);
        if (got != null) {
          for (PGNotification n : got) {
            CountDownLatch l = latches.remove(n.getParameter());
            if (l != null) {
              l.countDown();
            }
          }
        }
        synchronized (lock) {
          if (closed) {
            return;
          }
          if (waiting.get() > 0) {
            idleSince = System.nanoTime();
          } else if (System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS)) {
            thread = null; // the next wait starts a new listener
            return;
          }
        }
      }
    } catch (SQLException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "Stopped listening for lease releases in the " + description
          + " (" + e.getClass().getSimpleName() + "); the next wait listens again");
      synchronized (lock) {
        thread = null;
      }
    } finally {
      wakeAll(); // waiters retry at once rather than sleep on a listener that is gone
      closeQuietly(c);
    }
  }

  private void wakeAll() {
    for (String key : latches.keySet()) {
      CountDownLatch l = latches.remove(key);
      if (l != null) {
        l.countDown();
      }
    }
  }

  private static void closeQuietly(@Nullable Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException ignored) {
      // a connection that cannot be closed is dropped by the pool
    }
  }

  /** Stops listening and gives the connection back; waiters return at once. Idempotent. */
  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      closed = true;
      t = thread;
      thread = null;
    }
    if (t != null) {
      t.interrupt();
    }
    wakeAll();
  }
}
