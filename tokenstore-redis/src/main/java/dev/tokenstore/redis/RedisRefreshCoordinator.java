package dev.tokenstore.redis;

import static dev.tokenstore.redis.ScriptValues.list;

import dev.tokenstore.StoreException;
import dev.tokenstore.spi.GrantedLease;
import dev.tokenstore.spi.RefreshCoordinator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Refresh leases of a {@link RedisTokenStore} on the server (lease.lua, release.lua): {@code SET <base>lease:<h>
 * holder NX PX lease} with a fence from {@code HINCRBY}, released by a compare-and-delete. Thread-safe.
 */
final class RedisRefreshCoordinator implements RefreshCoordinator {
  private static final System.Logger LOG = System.getLogger(RedisTokenStore.class.getName());

  private final RedisScripts scripts;
  private final Runnable checkOpen;
  private final String base;
  private final String where;
  private final String prefix;
  private final java.security.SecureRandom random = new java.security.SecureRandom();

  /** {@code checkOpen} fails when the store is closed. */
  RedisRefreshCoordinator(RedisScripts scripts, Runnable checkOpen, String base, String where, String prefix) {
    this.scripts = scripts;
    this.checkOpen = checkOpen;
    this.base = base;
    this.where = where;
    this.prefix = prefix;
  }

  @Override
  public Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease) {
    checkOpen.run();
    String h = RedisScripts.Script.sha1Hex(identity.environment() + "\u0000" + identity.tokenId());
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

  @Override
  public String toString() {
    return "RedisRefreshCoordinator{" + where + ", prefix=" + prefix + "}";
  }
}
