package dev.tokenstore.spring;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.ConditionalSave;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;

/**
 * Spring Security's {@link OAuth2AuthorizedClientService} kept in a {@link TokenStore}: one record per principal
 * and registration, readable by every tool of tokenstore ({@code tokenstore list}) and by Zoho's SDKs.
 *
 * <table>
 *   <caption>Field mapping</caption>
 *   <tr><th>Spring Security</th><th>{@link OAuthToken}</th></tr>
 *   <tr><td>principal name</td><td>user name</td></tr>
 *   <tr><td>registration's client id</td><td>client id</td></tr>
 *   <tr><td>registration's API domain ({@link RegistrationTokenManagers#apiDomain})</td><td>API domain</td></tr>
 *   <tr><td>access token value, issued at, expires at</td><td>access token, issued at, expiry time</td></tr>
 *   <tr><td>refresh token value</td><td>refresh token</td></tr>
 * </table>
 *
 * <p>Not kept: the access token's scopes (the store has no column for them; loaded tokens have none), the refresh
 * token's issue time, and the registration's client secret: it stays in the application's configuration, and
 * every refresh sends the current one, so rotating the secret needs no change to the stored records (a record that
 * already holds a secret, e.g. one imported from Zoho's SDK, keeps it and is refreshed with it). The record of a principal is the one with its user name, the registration's client
 * id and API domain; saving merges into it (a new sign-in replaces the tokens, keeps the id).
 *
 * <p>Refreshing is not this service's job: {@link TokenstoreAuthorizedClientManager} refreshes through the
 * registration's {@link dev.tokenstore.oauth.TokenManager}, which saves the result itself with a compare-and-set.
 * A save here that would put back an access token the record has already replaced is ignored (see
 * {@link #saveAuthorizedClient}), so that a component that still refreshes on its own cannot undo a rotation.
 *
 * <p>Thread-safe (the store is).
 */
public final class TokenStoreOAuth2AuthorizedClientService implements OAuth2AuthorizedClientService {
  /** Compare-and-set attempts of one save; the last one, still after the staleness check, is a plain save. */
  private static final int MAX_ATTEMPTS = 5;

  private final RegistrationTokenManagers managers;

  public TokenStoreOAuth2AuthorizedClientService(RegistrationTokenManagers managers) {
    this.managers = Objects.requireNonNull(managers, "managers");
  }

  private TokenStore store() {
    return managers.store();
  }

  @Override
  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // Spring's signature
  public <T extends OAuth2AuthorizedClient> @Nullable T loadAuthorizedClient(
      String clientRegistrationId, String principalName) {
    Optional<ClientRegistration> r = managers.registration(clientRegistrationId);
    if (r.isEmpty()) {
      return null;
    }
    Optional<OAuthToken> stored = store().findToken(managers.query(r.get(), principalName));
    return stored.map(t -> (T) AuthorizedClients.toAuthorizedClient(r.get(), principalName, t)).orElse(null);
  }

  /**
   * Saves the tokens of {@code authorizedClient} into the principal's record (a new record for a first sign-in),
   * then makes the registration's {@link dev.tokenstore.oauth.TokenManager} forget what it holds in memory for the
   * record, so that the next {@link TokenstoreAuthorizedClientManager#authorize} hands out what was saved.
   *
   * <p>A save is stale, and ignored, when the record already holds a different access token that is newer: issued
   * later, when both issue times are known (Spring sets the issue time of every token response), else expiring
   * later. A stale save is a refresh that lost a race or an old copy of the client; the record keeps the newer
   * tokens, and with them the refresh token that still works after a rotation. A new sign-in is issued later than
   * what it replaces, so it is saved even when its lifetime is shorter (Entra ID's vary from 60 to 90 minutes).
   *
   * <p>When the store offers compare-and-set saves ({@link ConditionalSave}: the file, SQL and Redis stores), the
   * record is written only if it still holds what was checked; a save that loses a race with a refresh is checked
   * again against the refreshed record. Other stores (memory) get a plain save.
   */
  @Override
  public void saveAuthorizedClient(OAuth2AuthorizedClient authorizedClient, Authentication principal) {
    Objects.requireNonNull(authorizedClient, "authorizedClient");
    Objects.requireNonNull(principal, "principal");
    ClientRegistration r = authorizedClient.getClientRegistration();
    OAuthToken query = managers.query(r, principal.getName());
    OAuth2AccessToken access = authorizedClient.getAccessToken();
    OAuth2RefreshToken refresh = authorizedClient.getRefreshToken();
    OAuthToken.Builder b = query.toBuilder()
        .clientSecret(null) // not stored: refreshes send the registration's current secret (see the class comment)
        .accessToken(access.getTokenValue())
        .expiresAt(access.getExpiresAt())
        .issuedAt(AuthorizedClients.knownIssuedAt(access));
    if (refresh != null) {
      b.refreshToken(refresh.getTokenValue());
    }
    Optional<ConditionalSave> cas = store().capability(ConditionalSave.class);
    for (int attempt = 1; ; attempt++) {
      Optional<OAuthToken> stored = store().findToken(query);
      if (stored.isPresent() && isStale(stored.get(), access)) {
        return;
      }
      String id;
      if (stored.isEmpty()) {
        id = Objects.requireNonNull(store().saveToken(b.build()).id(), "a stored token has an id");
      } else {
        id = Objects.requireNonNull(stored.get().id(), "a stored token has an id");
        OAuthToken update = b.id(id).build();
        if (cas.isPresent() && attempt < MAX_ATTEMPTS) {
          if (cas.get().saveTokenIf(stored.get(), update).isEmpty()) {
            continue; // the record changed since it was read (a refresh, another sign-in): check again
          }
        } else {
          store().saveToken(update);
        }
      }
      invalidate(r.getRegistrationId(), id);
      return;
    }
  }

  private void invalidate(String registrationId, String id) {
    managers.get(registrationId).ifPresent(m -> m.invalidate(id));
  }

  private static boolean isStale(OAuthToken stored, OAuth2AccessToken access) {
    String storedAccess = stored.accessToken();
    if (storedAccess == null || storedAccess.equals(access.getTokenValue())) {
      return false;
    }
    Instant storedIssued = stored.issuedAt();
    Instant givenIssued = AuthorizedClients.knownIssuedAt(access);
    if (storedIssued != null && givenIssued != null) {
      return storedIssued.isAfter(givenIssued);
    }
    Instant storedExpiry = stored.expiresAt();
    Instant givenExpiry = access.getExpiresAt();
    return storedExpiry != null && givenExpiry != null && storedExpiry.isAfter(givenExpiry);
  }

  /**
   * Deletes the principal's record, then makes the registration's {@link dev.tokenstore.oauth.TokenManager}
   * forget it, so that the next {@link TokenstoreAuthorizedClientManager#authorize} asks for a sign-in.
   */
  @Override
  public void removeAuthorizedClient(String clientRegistrationId, String principalName) {
    Optional<ClientRegistration> r = managers.registration(clientRegistrationId);
    if (r.isEmpty()) {
      return;
    }
    Optional<OAuthToken> stored = store().findToken(managers.query(r.get(), principalName));
    if (stored.isPresent()) {
      String id = Objects.requireNonNull(stored.get().id(), "a stored token has an id");
      store().deleteToken(id);
      invalidate(clientRegistrationId, id);
    }
  }

  @Override
  public String toString() {
    return "TokenStoreOAuth2AuthorizedClientService{" + store() + "}";
  }
}
