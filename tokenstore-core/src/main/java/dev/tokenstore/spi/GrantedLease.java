package dev.tokenstore.spi;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link RefreshCoordinator.RefreshLease} granted by a store: its fence, whether it took over an expired
 * lease, validity measured on this JVM's {@link System#nanoTime()} from when the request was sent (so it never
 * outlives the store's own expiry), and a release action run once on the first {@link #close()}. Store
 * coordinators return it instead of writing their own lease class; the release action runs the store's
 * compare-and-delete and handles its own failures (an unreleased lease expires by itself).
 *
 * <p>Thread-safe.
 */
public final class GrantedLease implements RefreshCoordinator.RefreshLease {
  private final long fence;
  private final long deadlineNanos;
  private final boolean tookOver;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GrantedLease(long fence, long deadlineNanos, boolean tookOver, Runnable release) {
    this.fence = fence;
    this.deadlineNanos = deadlineNanos;
    this.tookOver = tookOver;
    this.release = release;
  }

  /**
   * A lease with {@code fence}, valid for {@code lease} from {@code requestedAtNanos} (the
   * {@link System#nanoTime()} taken before the request to the store was sent).
   */
  public static GrantedLease of(
      long fence, long requestedAtNanos, Duration lease, boolean tookOver, Runnable release) {
    return new GrantedLease(fence, requestedAtNanos + lease.toNanos(), tookOver, release);
  }

  @Override
  public long fence() {
    return fence;
  }

  @Override
  public boolean isValid() {
    return !closed.get() && System.nanoTime() - deadlineNanos < 0;
  }

  @Override
  public boolean tookOver() {
    return tookOver;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release.run();
    }
  }

  @Override
  public String toString() {
    return "GrantedLease{fence=" + fence + ", tookOver=" + tookOver + ", valid=" + isValid() + "}";
  }
}
