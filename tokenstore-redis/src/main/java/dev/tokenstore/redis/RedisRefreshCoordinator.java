package dev.tokenstore.redis;

import static dev.tokenstore.redis.ScriptValues.list;

import dev.tokenstore.StoreException;
import dev.tokenstore.spi.GrantedLease;
import dev.tokenstore.spi.RefreshCoordinator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Refresh leases of a {@link RedisTokenStore} on the server (lease.lua, release.lua): {@code SET <base>lease:<h>
 * holder NX PX lease} with a fence from {@code HINCRBY}, released by a compare-and-delete that also publishes the
 * release on {@code <base>released}. {@link #awaitRelease} registers with the {@link RedisReleaseListener}, reads
 * the lease's remaining time ({@code PTTL}; released or expired: returns at once) and waits for the message, at
 * most the poll interval and never past the lease's expiry. Thread-safe.
 */
final class RedisRefreshCoordinator implements RefreshCoordinator {
  private static final System.Logger LOG = System.getLogger(RedisTokenStore.class.getName());

  private final RedisScripts scripts;
  private final Runnable checkOpen;
  private final String base;
  private final String where;
  private final String prefix;
  private final java.security.SecureRandom random = new java.security.SecureRandom();
  private final UnifiedJedis client;
  private final RedisReleaseListener listener;

  /** {@code checkOpen} fails when the store is closed. */
  RedisRefreshCoordinator(UnifiedJedis client, RedisScripts scripts, Runnable checkOpen, String base, String where,
      String prefix) {
    this.client = client;
    this.listener = new RedisReleaseListener(client, base + "released", where);
    this.scripts = scripts;
    this.checkOpen = checkOpen;
    this.base = base;
    this.where = where;
    this.prefix = prefix;
  }

  @Override
  public Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease) {
    checkOpen.run();
    String h = hashOf(identity);
    String holder = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    long started = System.nanoTime();
    List<?> reply = list(scripts.run("take a refresh lease", RedisScripts.LEASE,
        List.of(base, h, holder, Long.toString(Math.max(1, lease.toMillis())))));
    long fence = ((Number) reply.get(0)).longValue();
    if (fence == 0) {
      return Optional.empty();
    }
    boolean took = ((Number) reply.get(1)).longValue() == 1;
    return Optional.of(GrantedLease.of(fence, started, lease, took, () -> {
      try {
        scripts.run("release a refresh lease", RedisScripts.RELEASE, List.of(base, h, holder));
      } catch (StoreException e) {
        LOG.log(System.Logger.Level.WARNING, "Could not release a refresh lease at " + where
            + "; it expires by itself: " + e.getMessage());
      }
    }));
  }

  private static String hashOf(RefreshIdentity identity) {
    return RedisScripts.Script.sha1Hex(identity.environment() + "\u0000" + identity.tokenId());
  }

  @Override
  public boolean awaitRelease(RefreshIdentity identity, Duration max) throws InterruptedException {
    checkOpen.run();
    String h = hashOf(identity);
    CountDownLatch released = listener.register(h);
    if (released == null) {
      return false; // cannot subscribe now: the manager polls
    }
    long left; // the lease's remaining time on the server, read after subscribing: no release is missed
    try {
      left = client.pttl(base + "lease:" + h); // -2: none (released or expired)
    } catch (JedisException e) {
      return false;
    }
    long wait = Math.min(Math.max(0, max.toMillis()), left);
    if (wait > 0) {
      released.await(wait, TimeUnit.MILLISECONDS);
    }
    return true;
  }

  /** Stops listening for releases; waiters return at once. Idempotent. */
  void close() {
    listener.close();
  }

  @Override
  public String toString() {
    return "RedisRefreshCoordinator{" + where + ", prefix=" + prefix + "}";
  }
}
