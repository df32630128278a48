package dev.tokenstore.server.internal;

import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenEventListener;
import dev.tokenstore.oauth.TokenManagerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The service's meters, scraped at {@code /metrics} in Prometheus' text format:
 * <ul>
 *   <li>{@code tokenstore_http_requests_seconds} (histogram; tags method, route, status, outcome);
 *   <li>{@code tokenstore_token_events_total} (tag type: refresh_started, refresh_succeeded, refresh_failed,
 *       refresh_joined, lease_wait, lease_taken_over, throttled, save_failed, ...);
 *   <li>{@code tokenstore_token_endpoint_calls_total}, {@code tokenstore_refreshes_total},
 *       {@code tokenstore_refresh_failures_total}, {@code tokenstore_single_flight_joins_total},
 *       {@code tokenstore_lease_takeovers_total}, {@code tokenstore_throttled_total},
 *       {@code tokenstore_save_failures_total}: the sums of every manager's {@link TokenManagerMetrics};
 *   <li>{@code tokenstore_api_key_failures_total} and the JVM's own nothing more: no secret, no user name.
 * </ul>
 * Thread-safe.
 */
public final class ServerMetrics implements TokenEventListener {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The latency histogram's buckets: 16 from 0.25 ms to 30 s (a valid token is a fraction of a millisecond). */
  private static final Duration[] BUCKETS = {
    Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)
  };

  private final Map<TokenEvent.Type, Counter> events = new EnumMap<>(TokenEvent.Type.class);
  private final Counter keyFailures;
  /** Held here: Micrometer keeps a function counter's state object only weakly. */
  private final Supplier<Iterable<TokenManagerMetrics>> figures;

  /** {@code metrics} supplies the current figures of every manager (summed here). */
  public ServerMetrics(Supplier<Iterable<TokenManagerMetrics>> metrics) {
    this.figures = metrics;
    for (TokenEvent.Type t : TokenEvent.Type.values()) {
      events.put(t, Counter.builder("tokenstore.token.events").tag("type", t.name().toLowerCase(Locale.ROOT))
          .description("What the token managers did").register(registry));
    }
    sum("tokenstore.token.endpoint.calls", "Calls to the accounts server's token endpoint", TokenManagerMetrics::tokenEndpointCalls);
    sum("tokenstore.refreshes", "Successful refreshes", TokenManagerMetrics::refreshes);
    sum("tokenstore.refresh.failures", "Failed refreshes", TokenManagerMetrics::refreshFailures);
    sum("tokenstore.single.flight.joins", "Callers that joined a refresh in flight", TokenManagerMetrics::joins);
    sum("tokenstore.lease.takeovers", "Refresh leases taken over from a holder that did not finish", TokenManagerMetrics::leaseTakeovers);
    sum("tokenstore.throttled", "Throttling replies of the accounts server", TokenManagerMetrics::throttled);
    sum("tokenstore.save.failures", "Refresh results the store failed to save", TokenManagerMetrics::saveFailures);
    keyFailures = Counter.builder("tokenstore.api.key.failures")
        .description("Requests refused for a missing or wrong API key").register(registry);
  }

  private void sum(String name, String description, ToLongFunction<TokenManagerMetrics> field) {
    FunctionCounter.builder(name, this, self -> {
      Supplier<Iterable<TokenManagerMetrics>> s = self.figures;
      long n = 0;
      for (TokenManagerMetrics m : s.get()) {
        n += field.applyAsLong(m);
      }
      return n;
    }).description(description).register(registry);
  }

  @Override
  public void onEvent(TokenEvent event) {
    Counter c = events.get(event.type());
    if (c != null) {
      c.increment();
    }
  }

  /** Records one request. */
  public void request(String method, String route, int status, long nanos) {
    Timer.builder("tokenstore.http.requests")
        .tag("method", method)
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .tag("outcome", status < 400 ? "success" : status < 500 ? "client_error" : "server_error")
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** Counts a request refused for its API key. */
  public void keyFailure() {
    keyFailures.increment();
  }

  /** The meters in Prometheus' text format (0.0.4). */
  public String scrape() {
    return registry.scrape();
  }
}
