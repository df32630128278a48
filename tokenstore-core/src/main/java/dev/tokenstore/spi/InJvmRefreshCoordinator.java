package dev.tokenstore.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RefreshCoordinator} for one JVM: leases in a map, expiring by {@link System#nanoTime()}; each lease has a
 * latch that its release opens, so {@link #awaitRelease} wakes waiters (other managers of the JVM) at once.
 * Thread-safe.
 * Reached through {@link RefreshCoordinator#inJvm()} and {@link RefreshCoordinator#newInJvm()}.
 */
final class InJvmRefreshCoordinator implements RefreshCoordinator {
  /** The instance {@link RefreshCoordinator#inJvm()} returns. */
  static final InJvmRefreshCoordinator SHARED = new InJvmRefreshCoordinator();

  /** A coordinator of its own; managers share {@link #SHARED}. */
  InJvmRefreshCoordinator() {}

  private final ConcurrentHashMap<RefreshIdentity, Lease> leases = new ConcurrentHashMap<>();
  private final AtomicLong fences = new AtomicLong();

  @Override
  public Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease) {
    long until = System.nanoTime() + Math.max(1, lease.toNanos());
    Lease[] granted = new Lease[1];
    leases.compute(identity, (k, old) -> {
      if (old != null && old.isValid()) {
        return old;
      }
      granted[0] = new Lease(k, until, fences.incrementAndGet());
      return granted[0];
    });
    return Optional.ofNullable(granted[0]);
  }

  @Override
  public boolean awaitRelease(RefreshIdentity identity, Duration max) throws InterruptedException {
    Lease held = leases.get(identity);
    if (held == null || !held.isValid()) {
      return true; // released or expired already: try again now
    }
    long wait = Math.min(Math.max(0, max.toNanos()), held.until - System.nanoTime()); // never past its expiry
    if (wait > 0) {
      held.released.await(wait, TimeUnit.NANOSECONDS);
    }
    return true;
  }

  private final class Lease implements RefreshLease {
    private final RefreshIdentity identity;
    private final long until;
    private final long fence;
    private volatile boolean closed;
    final CountDownLatch released = new CountDownLatch(1);

    Lease(RefreshIdentity identity, long until, long fence) {
      this.identity = identity;
      this.until = until;
      this.fence = fence;
    }

    @Override
    public long fence() {
      return fence;
    }

    @Override
    public boolean isValid() {
      return !closed && System.nanoTime() - until < 0;
    }

    @Override
    public void close() {
      closed = true;
      leases.remove(identity, this);
      released.countDown();
    }
  }
}
