package dev.tokenstore.spring.autoconfigure;

import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spring.ReauthorizationTracker;
import dev.tokenstore.spring.RegistrationTokenManagers;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Spring Boot 4's health of the token store (Actuator's {@code tokenstore} component): UP when the store answers a
 * read, DOWN with the store's error (whose message holds no secret) when it does not. Details: the store (its
 * description masks passwords); the ids of the records whose refresh token the server refused, so their users must
 * sign in again ({@code reauthorizationRequired}, {@link ReauthorizationTracker}); and, per registration, how many
 * records hold their newest tokens in memory only because the store failed to save them
 * ({@link TokenManager#unsavedTokenIds()}). Thread-safe.
 */
public class TokenStoreHealthIndicator extends AbstractHealthIndicator {
  private final TokenStore store;
  private final Supplier<Map<String, TokenManager>> managers;
  private final @Nullable ReauthorizationTracker reauthorizations;

  /**
   * @param managers the token managers by registration id (empty without OAuth2 client registrations)
   * @param reauthorizations the tracker the managers report to, or null
   */
  public TokenStoreHealthIndicator(TokenStore store, Supplier<Map<String, TokenManager>> managers,
      @Nullable ReauthorizationTracker reauthorizations) {
    super("The token store failed");
    this.store = Objects.requireNonNull(store, "store");
    this.managers = Objects.requireNonNull(managers, "managers");
    this.reauthorizations = reauthorizations;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    store.findTokenById("0"); // a read by primary key: cheap on every store, throws when the store is unreachable
    builder.up().withDetail("store", store.toString());
    if (reauthorizations != null) {
      builder.withDetail("reauthorizationRequired", reauthorizations.pending());
    }
    managers.get().forEach((id, m) -> builder.withDetail("unsavedTokens." + id, m.unsavedTokenIds().size()));
  }

  /** The managers of {@code managers}, or none. */
  static Supplier<Map<String, TokenManager>> of(org.springframework.beans.factory.ObjectProvider<RegistrationTokenManagers> managers) {
    return () -> {
      RegistrationTokenManagers m = managers.getIfAvailable();
      return m == null ? Map.of() : m.managers();
    };
  }
}
