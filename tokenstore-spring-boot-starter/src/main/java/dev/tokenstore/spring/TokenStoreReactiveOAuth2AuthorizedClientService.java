package dev.tokenstore.spring;

import java.util.Objects;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Spring Security's {@link ReactiveOAuth2AuthorizedClientService} kept in a {@link dev.tokenstore.TokenStore}: the
 * operations of {@link TokenStoreOAuth2AuthorizedClientService} (same records, same mapping, same rules), run on a
 * scheduler for blocking work ({@link Schedulers#boundedElastic()} by default), since stores do I/O.
 *
 * <p>Thread-safe.
 */
public final class TokenStoreReactiveOAuth2AuthorizedClientService implements ReactiveOAuth2AuthorizedClientService {
  private final TokenStoreOAuth2AuthorizedClientService service;
  private final Scheduler scheduler;

  public TokenStoreReactiveOAuth2AuthorizedClientService(RegistrationTokenManagers managers) {
    this(new TokenStoreOAuth2AuthorizedClientService(managers), Schedulers.boundedElastic());
  }

  public TokenStoreReactiveOAuth2AuthorizedClientService(
      TokenStoreOAuth2AuthorizedClientService service, Scheduler scheduler) {
    this.service = Objects.requireNonNull(service, "service");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  @Override
  @SuppressWarnings("TypeParameterUnusedInFormals") // Spring's signature
  public <T extends OAuth2AuthorizedClient> Mono<T> loadAuthorizedClient(
      String clientRegistrationId, String principalName) {
    return Mono.<T>fromCallable(() -> service.loadAuthorizedClient(clientRegistrationId, principalName))
        .subscribeOn(scheduler);
  }

  @Override
  public Mono<Void> saveAuthorizedClient(OAuth2AuthorizedClient authorizedClient, Authentication principal) {
    return Mono.<Void>fromRunnable(() -> service.saveAuthorizedClient(authorizedClient, principal))
        .subscribeOn(scheduler);
  }

  @Override
  public Mono<Void> removeAuthorizedClient(String clientRegistrationId, String principalName) {
    return Mono.<Void>fromRunnable(() -> service.removeAuthorizedClient(clientRegistrationId, principalName))
        .subscribeOn(scheduler);
  }

  @Override
  public String toString() {
    return "TokenStoreReactiveOAuth2AuthorizedClientService{" + service + "}";
  }
}
