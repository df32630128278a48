package dev.tokenstore.spring;

import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.oauth.TokenManagerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters of {@link TokenManagerMetrics}, one set per client registration (tag {@code registration}):
 * function counters {@code tokenstore.token.endpoint.calls}, {@code tokenstore.refreshes},
 * {@code tokenstore.refresh.failures}, {@code tokenstore.refresh.joins}, {@code tokenstore.sibling.tokens.used},
 * {@code tokenstore.exchanges}, {@code tokenstore.retries}, {@code tokenstore.throttled}, {@code tokenstore.revokes},
 * {@code tokenstore.store.reads}, {@code tokenstore.lease.waits}, {@code tokenstore.lease.takeovers},
 * {@code tokenstore.save.conflicts}, {@code tokenstore.save.failures}, and the gauge
 * {@code tokenstore.unsaved.tokens} (records whose newest tokens are in memory only). Meters are bound for the
 * managers that exist when the registry binds (Spring Boot: at start-up, after every manager was built).
 *
 * <p>Thread-safe.
 */
public final class TokenManagerMeterBinder implements MeterBinder {
  private static final Map<String, ToLongFunction<TokenManagerMetrics>> COUNTERS = new LinkedHashMap<>();

  static {
    COUNTERS.put("tokenstore.token.endpoint.calls", TokenManagerMetrics::tokenEndpointCalls);
    COUNTERS.put("tokenstore.refreshes", TokenManagerMetrics::refreshes);
    COUNTERS.put("tokenstore.refresh.failures", TokenManagerMetrics::refreshFailures);
    COUNTERS.put("tokenstore.refresh.joins", TokenManagerMetrics::joins);
    COUNTERS.put("tokenstore.sibling.tokens.used", TokenManagerMetrics::siblingTokensUsed);
    COUNTERS.put("tokenstore.exchanges", TokenManagerMetrics::exchanges);
    COUNTERS.put("tokenstore.retries", TokenManagerMetrics::retries);
    COUNTERS.put("tokenstore.throttled", TokenManagerMetrics::throttled);
    COUNTERS.put("tokenstore.revokes", TokenManagerMetrics::revokes);
    COUNTERS.put("tokenstore.store.reads", TokenManagerMetrics::storeReads);
    COUNTERS.put("tokenstore.lease.waits", TokenManagerMetrics::leaseWaits);
    COUNTERS.put("tokenstore.lease.takeovers", TokenManagerMetrics::leaseTakeovers);
    COUNTERS.put("tokenstore.save.conflicts", TokenManagerMetrics::saveConflicts);
    COUNTERS.put("tokenstore.save.failures", TokenManagerMetrics::saveFailures);
  }

  private final Supplier<Map<String, TokenManager>> managers;

  /** @param managers the managers to measure, by registration id, read when the registry binds */
  public TokenManagerMeterBinder(Supplier<Map<String, TokenManager>> managers) {
    this.managers = Objects.requireNonNull(managers, "managers");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    managers.get().forEach((registration, manager) -> {
      COUNTERS.forEach((name, f) -> FunctionCounter
          .builder(name, manager, m -> f.applyAsLong(m.metrics()))
          .tag("registration", registration)
          .register(registry));
      Gauge.builder("tokenstore.unsaved.tokens", manager, m -> m.unsavedTokenIds().size())
          .tag("registration", registration)
          .register(registry);
    });
  }
}
