package dev.tokenstore.server.internal;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Limits failed API-key attempts per client address: after {@code limit} failures within a window, the address
 * is refused (without checking its key) until the window that holds them ends. Bounded memory: at most
 * {@value #MAX_ADDRESSES} addresses are tracked; beyond that the oldest windows are dropped. Thread-safe.
 */
public final class AttemptLimiter {
  static final int MAX_ADDRESSES = 10_000;

  private final int limit;
  private final long windowMillis;
  private final LongSupplier millis;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  private record Window(long start, int failures) {}

  public AttemptLimiter(int limit, Duration window, LongSupplier millis) {
    this.limit = limit;
    this.windowMillis = window.toMillis();
    this.millis = millis;
  }

  /** How long {@code address} must still wait, or {@link Duration#ZERO} when it may try. */
  public Duration blockedFor(String address) {
    Window w = windows.get(address);
    long now = millis.getAsLong();
    if (w == null || w.failures() < limit || now - w.start() >= windowMillis) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(windowMillis - (now - w.start()));
  }

  /** Counts a failed attempt of {@code address}. */
  public void failed(String address) {
    long now = millis.getAsLong();
    bound(now);
    windows.merge(address, new Window(now, 1),
        (old, one) -> now - old.start() >= windowMillis ? one : new Window(old.start(), old.failures() + 1));
  }

  /**
   * Takes an attempt of {@code address} before it is checked, counted as failed until {@link #giveBack} returns
   * it: unlike {@link #blockedFor} then {@link #failed}, concurrent attempts cannot all pass before the first
   * failure is counted. Returns how long the address must still wait ({@link Duration#ZERO}: the attempt is taken).
   */
  public Duration take(String address) {
    long now = millis.getAsLong();
    bound(now);
    Duration[] wait = {Duration.ZERO};
    windows.compute(address, (k, old) -> {
      if (old == null || now - old.start() >= windowMillis) {
        return new Window(now, 1);
      }
      if (old.failures() >= limit) {
        wait[0] = Duration.ofMillis(windowMillis - (now - old.start()));
        return old;
      }
      return new Window(old.start(), old.failures() + 1);
    });
    return wait[0];
  }

  /** Returns an attempt {@link #take taken} that succeeded. */
  public void giveBack(String address) {
    windows.computeIfPresent(address, (k, w) -> w.failures() <= 1 ? null : new Window(w.start(), w.failures() - 1));
  }

  private void bound(long now) {
    if (windows.size() >= MAX_ADDRESSES) {
      windows.values().removeIf(w -> now - w.start() >= windowMillis);
      if (windows.size() >= MAX_ADDRESSES) {
        windows.clear(); // a flood of addresses: forget them rather than grow without bound
      }
    }
  }
}
