package dev.tokenstore.spring.autoconfigure;

import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spring.RegistrationTokenManagers;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Spring Boot 3's health of the token store (Actuator's {@code tokenstore} component): UP when the store answers a
 * read, DOWN with the store's error (whose message holds no secret) when it does not. Details: the store (its
 * description masks passwords) and, per registration, how many records hold their newest tokens in memory only
 * because the store failed to save them ({@link TokenManager#unsavedTokenIds()}). Thread-safe.
 */
public class TokenStoreHealthIndicator extends AbstractHealthIndicator {
  private final TokenStore store;
  private final Supplier<Map<String, TokenManager>> managers;

  /** @param managers the token managers by registration id (empty without OAuth2 client registrations) */
  public TokenStoreHealthIndicator(TokenStore store, Supplier<Map<String, TokenManager>> managers) {
    super("The token store failed");
    this.store = Objects.requireNonNull(store, "store");
    this.managers = Objects.requireNonNull(managers, "managers");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    store.findTokenById("0"); // a read by primary key: cheap on every store, throws when the store is unreachable
    builder.up().withDetail("store", store.toString());
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
