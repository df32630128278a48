package dev.tokenstore.spring;

import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenEventListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * The Micrometer timer {@code tokenstore.refresh} (tags {@code environment}: the token manager's environment name,
 * the registration id for RFC 6749 servers or e.g. {@code zoho-eu-production}; {@code outcome}: {@code success} or
 * {@code failure}): how long each refresh at the token endpoint took, retries included, measured from the token
 * manager's events on the refreshing thread. Callers that joined a refresh are not timed (see
 * {@code tokenstore.refresh.joins}). Events before the registry is bound are not recorded.
 *
 * <p>Thread-safe.
 */
public final class RefreshTimer implements TokenEventListener, MeterBinder {
  /** When the refresh on this thread started (a thread runs one refresh at a time). */
  private static final ThreadLocal<long[]> STARTED = new ThreadLocal<>();
  private volatile @Nullable MeterRegistry registry;

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onEvent(TokenEvent event) {
    switch (event.type()) {
      case REFRESH_STARTED -> STARTED.set(new long[] {System.nanoTime()});
      case REFRESH_SUCCEEDED -> record(event, "success");
      case REFRESH_FAILED -> record(event, "failure");
      default -> { }
    }
  }

  private void record(TokenEvent event, String outcome) {
    long[] start = STARTED.get();
    STARTED.remove();
    MeterRegistry r = registry;
    if (start == null || r == null) {
      return;
    }
    Timer.builder("tokenstore.refresh").tag("environment", event.environment()).tag("outcome", outcome)
        .register(r).record(System.nanoTime() - start[0], java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "RefreshTimer";
  }
}
