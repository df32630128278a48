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
    if (windows.size() >= MAX_ADDRESSES) {
      windows.values().removeIf(w -> now - w.start() >= windowMillis);
      if (windows.size() >= MAX_ADDRESSES) {
        windows.clear(); // a flood of addresses: forget them rather than grow without bound
      }
    }
    windows.merge(address, new Window(now, 1),
        (old, one) -> now - old.start() >= windowMillis ? one : new Window(old.start(), old.failures() + 1));
  }
}
