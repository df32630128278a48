package dev.tokenstore.spring;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link ReactiveOAuth2AuthorizedClientManager} of WebFlux applications: {@link TokenstoreAuthorizedClientManager}
 * (same behaviour and errors: one refresh per expiry across subscribers and instances) on a scheduler for blocking
 * work ({@link Schedulers#boundedElastic()} by default), since a refresh calls the token endpoint and the store.
 * Registrations tokenstore does not serve go to the reactive fallback manager, if one was given.
 *
 * <p>Thread-safe.
 */
public final class TokenstoreReactiveAuthorizedClientManager implements ReactiveOAuth2AuthorizedClientManager {
  private final RegistrationTokenManagers managers;
  private final TokenstoreAuthorizedClientManager blocking;
  private final @Nullable ReactiveOAuth2AuthorizedClientManager fallback;
  private final Scheduler scheduler;

  /** @param fallback the manager for the registrations tokenstore does not serve, or null */
  public TokenstoreReactiveAuthorizedClientManager(
      RegistrationTokenManagers managers, @Nullable ReactiveOAuth2AuthorizedClientManager fallback) {
    this(managers, fallback, Schedulers.boundedElastic());
  }

  public TokenstoreReactiveAuthorizedClientManager(RegistrationTokenManagers managers,
      @Nullable ReactiveOAuth2AuthorizedClientManager fallback, Scheduler scheduler) {
    this.managers = Objects.requireNonNull(managers, "managers");
    this.blocking = new TokenstoreAuthorizedClientManager(managers, null);
    this.fallback = fallback;
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  @Override
  public Mono<OAuth2AuthorizedClient> authorize(OAuth2AuthorizeRequest request) {
    Objects.requireNonNull(request, "request");
    String id = request.getClientRegistrationId();
    ReactiveOAuth2AuthorizedClientManager other = fallback;
    return Mono.defer(() -> {
      if (other != null && managers.registration(id).isPresent() && managers.get(id).isEmpty()) {
        return other.authorize(request);
      }
      return Mono.justOrEmpty(blocking.authorize(request));
    }).subscribeOn(scheduler);
  }

  @Override
  public String toString() {
    return "TokenstoreReactiveAuthorizedClientManager{" + managers + "}";
  }
}
