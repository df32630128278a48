package dev.tokenstore.oauth;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Sleeper} that never sleeps: it records every wait it is asked for and moves its own monotonic time by
 * it, so that retries and lease waits run at once and their waits can be asserted. Thread-safe.
 */
final class FakeSleeper implements Sleeper {
  final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AtomicLong nanos = new AtomicLong();

  @Override
  public void sleep(Duration d) {
    waits.add(d);
    nanos.addAndGet(Math.max(0, d.toNanos()));
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }
}
