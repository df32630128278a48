package dev.tokenstore.spring;

import dev.tokenstore.OAuthToken;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;

/**
 * Converts between tokenstore's {@link OAuthToken} and Spring Security's {@link OAuth2AuthorizedClient}. Stateless
 * and thread-safe.
 */
final class AuthorizedClients {
  private AuthorizedClients() {}

  /**
   * The authorized client of a stored record, or null when the record has no access token. Scopes are not kept by
   * the store: the access token's scopes are empty.
   */
  static @Nullable OAuth2AuthorizedClient toAuthorizedClient(
      ClientRegistration registration, String principalName, OAuthToken token) {
    String access = token.accessToken();
    if (access == null) {
      return null;
    }
    Instant expires = token.expiresAt();
    Instant issued = token.issuedAt();
    if (issued != null && (expires == null || !issued.isBefore(expires))) {
      issued = null; // Spring requires the issue time before the expiry
    }
    if (expires != null && issued == null) {
      // Spring's OAuth2AccessToken wants both or neither; one millisecond before expiry says "unknown issue time"
      issued = expires.minusMillis(1);
    }
    OAuth2AccessToken accessToken =
        new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, access, issued, expires, Set.of());
    String refresh = token.refreshToken();
    OAuth2RefreshToken refreshToken = refresh == null ? null : new OAuth2RefreshToken(refresh, null);
    return new OAuth2AuthorizedClient(registration, principalName, accessToken, refreshToken);
  }

  /**
   * The issue time of {@code access}, or null when it is unknown: when it is the one-millisecond-before-expiry
   * placeholder {@link #toAuthorizedClient} puts in for a record without an issue time.
   */
  static @Nullable Instant knownIssuedAt(OAuth2AccessToken access) {
    Instant issued = access.getIssuedAt();
    Instant expires = access.getExpiresAt();
    return issued != null && expires != null && issued.equals(expires.minusMillis(1)) ? null : issued;
  }
}
