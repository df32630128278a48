package dev.tokenstore.oauth;

import dev.tokenstore.spi.RefreshCoordinator;
import java.time.Duration;

/**
 * Where the token manager waits: the backoff between retries and the polls while another manager holds a
 * refresh lease, and the monotonic time those waits are measured against. The default is the system's
 * ({@link Thread#sleep}, {@link System#nanoTime()}); a test injects one that returns at once and moves its own
 * time by what was asked for, so that waiting is tested without sleeping. Implementations must be thread-safe.
 */
interface Sleeper {
  /** {@link Thread#sleep} and {@link System#nanoTime()}. Thread-safe. */
  Sleeper SYSTEM = new Sleeper() {
    @Override
    public void sleep(Duration d) throws InterruptedException {
      Thread.sleep(Math.max(0, d.toMillis()));
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public boolean awaitRelease(RefreshCoordinator coordinator, RefreshCoordinator.RefreshIdentity identity,
        Duration max) throws InterruptedException {
      return coordinator.awaitRelease(identity, max);
    }
  };

  /** Waits for {@code d} (a negative duration waits not at all). */
  void sleep(Duration d) throws InterruptedException;

  /** A monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
  long nanoTime();

  /**
   * Waits through {@link RefreshCoordinator#awaitRelease} for the release of another holder's lease, at most
   * {@code max}; false when nothing was waited (the coordinator cannot, or this sleeper keeps its own time: the
   * default, for tests, which then wait through {@link #sleep}).
   */
  default boolean awaitRelease(RefreshCoordinator coordinator, RefreshCoordinator.RefreshIdentity identity,
      Duration max) throws InterruptedException {
    return false;
  }

  /** Waits {@code d}; false (with the thread's interrupt flag set again) when interrupted. */
  default boolean pause(Duration d) {
    try {
      sleep(d);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
