package dev.tokenstore.spring;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenManager;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.ClientAuthorizationRequiredException;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.OAuth2Error;

/**
 * An {@link OAuth2AuthorizedClientManager} that hands out the authorized clients of the registrations tokenstore
 * serves through their {@link TokenManager} ({@link RegistrationTokenManagers}): a valid access token from memory
 * while it is valid; at expiry one refresh for all concurrent callers of the JVM, and, on a shared store
 * (PostgreSQL, MySQL/MariaDB, Redis, SQLite or a file on one machine), one for all instances; a rotated refresh
 * token saved with a compare-and-set, never lost to a slower refresher.
 *
 * <p>Spring Security's {@code DefaultOAuth2AuthorizedClientManager} refreshes in every caller that sees the token
 * expired (32 concurrent callers, 32 refreshes) and saves each result over the last.
 *
 * <ul>
 *   <li>No stored record for the principal: {@link ClientAuthorizationRequiredException}, which Spring Security's
 *       web support turns into a redirect to the authorization server (as for its own manager).
 *   <li>The server no longer accepts the refresh token ({@code invalid_grant}) and no other instance stored a newer
 *       one: {@link ClientAuthorizationRequiredException} too; the record is kept until the new sign-in replaces
 *       it.
 *   <li>Other failures (the server unreachable after retries, throttling, the store failing):
 *       {@link ClientAuthorizationException} with the error code {@code tokenstore_<CODE>} and tokenstore's message
 *       (which holds no secret), the tokenstore exception as its cause.
 *   <li>Registrations tokenstore does not serve ({@code client_credentials}, {@code private_key_jwt}, ...) go to
 *       the fallback manager, if one was given; else {@link IllegalArgumentException}.
 * </ul>
 *
 * <p>Authorized clients of anonymous principals are not in the store: Spring Security keeps them in the HTTP session
 * ({@code AuthenticatedPrincipalOAuth2AuthorizedClientRepository}), so this manager serves signed-in users only; an
 * application that authorizes clients for anonymous users keeps Spring Security's own manager (define an
 * {@link OAuth2AuthorizedClientManager} bean).
 *
 * <p>Thread-safe.
 */
public final class TokenstoreAuthorizedClientManager implements OAuth2AuthorizedClientManager {
  private final RegistrationTokenManagers managers;
  private final @Nullable OAuth2AuthorizedClientManager fallback;

  /**
   * @param fallback the manager for the registrations tokenstore does not serve, or null
   */
  public TokenstoreAuthorizedClientManager(
      RegistrationTokenManagers managers, @Nullable OAuth2AuthorizedClientManager fallback) {
    this.managers = Objects.requireNonNull(managers, "managers");
    this.fallback = fallback;
  }

  @Override
  public @Nullable OAuth2AuthorizedClient authorize(OAuth2AuthorizeRequest request) {
    Objects.requireNonNull(request, "request");
    String id = request.getClientRegistrationId();
    ClientRegistration registration = managers.registration(id)
        .orElseThrow(() -> new IllegalArgumentException("Could not find ClientRegistration with id '" + id + "'"));
    Optional<TokenManager> manager = managers.get(id);
    if (manager.isEmpty()) {
      if (fallback == null) {
        throw new IllegalArgumentException("tokenstore does not serve the client registration '" + id + "' (its "
            + "grant type or client authentication method), and no fallback manager was given.");
      }
      return fallback.authorize(request);
    }
    String principal = request.getPrincipal().getName();
    OAuthToken token;
    try {
      token = manager.get().getToken(managers.query(registration, principal));
    } catch (TokenstoreException e) {
      if (e.code() == ErrorCode.TOKEN_NOT_FOUND || e.code() == ErrorCode.REAUTHORIZATION_REQUIRED) {
        ClientAuthorizationRequiredException required = new ClientAuthorizationRequiredException(id);
        required.initCause(e);
        throw required;
      }
      throw new ClientAuthorizationException(new OAuth2Error("tokenstore_" + e.code().name()), id,
          e.getMessage(), e);
    }
    OAuth2AuthorizedClient client = AuthorizedClients.toAuthorizedClient(registration, principal, token);
    if (client == null) {
      throw new ClientAuthorizationRequiredException(id);
    }
    return client;
  }

  @Override
  public String toString() {
    return "TokenstoreAuthorizedClientManager{" + managers + "}";
  }
}
