package dev.tokenstore.redis;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * Redis: one subscriber per {@link RedisRefreshCoordinator} on the channel {@code <base>released} (under the
 * store's hash tag), on a connection of its own held by one daemon thread from the first wait until the store is
 * closed. release.lua publishes the lease's hash when it releases; the thread opens the latch of every waiter on
 * it. Messages may be lost (a broken connection, a restart): waiters never rely on them, every wait is bounded by
 * the poll interval and the lease's expiry; a subscriber that fails is started again by the next wait.
 *
 * <p>Thread-safe.
 */
final class RedisReleaseListener implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RedisTokenStore.class.getName());
  private static final long SUBSCRIBE_WAIT_MILLIS = 1_000;

  private final UnifiedJedis client;
  private final String channel;
  private final String where;
  private final ConcurrentHashMap<String, CountDownLatch> latches = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private @Nullable Subscriber subscriber; // guarded by lock
  private boolean closed; // guarded by lock

  RedisReleaseListener(UnifiedJedis client, String channel, String where) {
    this.client = client;
    this.channel = channel;
    this.where = where;
  }

  /**
   * A latch that opens when the lease with hash {@code h} is released, once this listener is subscribed (so a
   * release after this call returns is seen); null when it cannot subscribe now (the caller polls).
   */
  @Nullable CountDownLatch register(String h) throws InterruptedException {
    Subscriber s;
    synchronized (lock) {
      if (closed) {
        return null;
      }
      s = subscriber;
      if (s == null || s.ended) {
        s = new Subscriber();
        subscriber = s;
        Thread t = new Thread(s::run, "tokenstore-redis-lease-listener");
        t.setDaemon(true);
        t.start();
      }
    }
    if (!s.subscribed.await(SUBSCRIBE_WAIT_MILLIS, TimeUnit.MILLISECONDS) || s.ended) {
      return null;
    }
    return latches.computeIfAbsent(h, k -> new CountDownLatch(1));
  }

  private void wakeAll() {
    for (String key : latches.keySet()) {
      CountDownLatch l = latches.remove(key);
      if (l != null) {
        l.countDown();
      }
    }
  }

  /** Unsubscribes; waiters return at once. Idempotent. */
  @Override
  public void close() {
    Subscriber s;
    synchronized (lock) {
      closed = true;
      s = subscriber;
      subscriber = null;
    }
    if (s != null && s.subscribed.getCount() == 0 && !s.ended) {
      try {
        s.unsubscribe();
      } catch (RuntimeException ignored) {
        // the connection is gone already
      }
    }
    wakeAll();
  }

  private final class Subscriber extends JedisPubSub {
    final CountDownLatch subscribed = new CountDownLatch(1);
    volatile boolean ended;

    void run() {
      try {
        client.subscribe(this, channel);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> "Stopped listening for lease releases at " + where + " ("
            + e.getClass().getSimpleName() + "); the next wait subscribes again");
      } finally {
        ended = true;
        subscribed.countDown();
        wakeAll(); // waiters retry at once rather than sleep on a subscriber that is gone
      }
    }

    @Override
    public void onSubscribe(String ch, int count) {
      subscribed.countDown();
    }

    @Override
    public void onMessage(String ch, String message) {
      CountDownLatch l = latches.remove(message);
      if (l != null) {
        l.countDown();
      }
    }
  }
}
