package dev.tokenstore.spring;

import dev.tokenstore.oauth.DataCenter;
import dev.tokenstore.oauth.Environment;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * The tokenstore {@link Environment} of a Spring Security {@link ClientRegistration}: which registrations a
 * {@link dev.tokenstore.oauth.TokenManager} can serve, and against which server.
 *
 * <ul>
 *   <li>Served: registrations with the {@code authorization_code} grant (the ones whose users have refresh tokens)
 *       and client authentication {@code client_secret_basic}, {@code client_secret_post} or {@code none}. Others
 *       ({@code client_credentials}, {@code private_key_jwt}, ...) are left to Spring Security.
 *   <li>Zoho: a token URI on one of Zoho's accounts servers ({@code https://accounts.zoho.eu/oauth/v2/token}, ...,
 *       see {@link DataCenter}) is {@link Environment#zoho(DataCenter, Environment.Kind)} with the given kind
 *       (production unless set): Zoho's protocol dialect, revoke endpoint and API domain.
 *   <li>Any other server: an RFC 6749 environment named after the registration, with the registration's token
 *       URI, its client authentication, the revocation endpoint of its provider metadata (discovery) if any, and
 *       the given API domain (else the token URI without query or fragment: scheme, host, port and path, so that
 *       two registrations of one client id on one server but different realms or tenants, such as
 *       {@code https://idp.example/realms/a/...} and {@code .../realms/b/...}, keep separate records).
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class RegistrationEnvironments {
  private static final String ZOHO_TOKEN_PATH = "/oauth/v2/token";

  private RegistrationEnvironments() {}

  /**
   * The environment of {@code registration}, or empty when tokenstore does not serve it (see the class comment).
   *
   * @param apiDomain the API base URL, or null for the default (Zoho's for {@code kind}; else {@link #recordKey})
   * @param zohoKind for Zoho registrations: production, sandbox or developer
   * @throws dev.tokenstore.TokenstoreException {@code INVALID_ARGUMENT} for a token URI or API domain that is not
   *     an http(s) URL
   */
  public static Optional<Environment> of(
      ClientRegistration registration, @Nullable String apiDomain, Environment.Kind zohoKind) {
    if (!AuthorizationGrantType.AUTHORIZATION_CODE.equals(registration.getAuthorizationGrantType())) {
      return Optional.empty();
    }
    Environment.ClientAuthentication auth = clientAuthentication(registration.getClientAuthenticationMethod());
    String tokenUri = registration.getProviderDetails().getTokenUri();
    if (auth == null || tokenUri == null || tokenUri.isBlank()) {
      return Optional.empty();
    }
    Optional<DataCenter> zoho = zohoDataCenter(tokenUri);
    if (zoho.isPresent()) {
      Environment z = Environment.zoho(zoho.get(), zohoKind);
      return Optional.of(apiDomain == null ? z : z.toBuilder().apiDomain(apiDomain).build());
    }
    URI u = URI.create(tokenUri);
    Environment.Builder b = Environment.builder(registration.getRegistrationId())
        .tokenUrl(tokenUri)
        .apiDomain(apiDomain != null ? apiDomain : recordKey(u))
        .clientAuthentication(auth);
    Object revoke = registration.getProviderDetails().getConfigurationMetadata().get("revocation_endpoint");
    if (revoke instanceof String r && !r.isBlank()) {
      b.revokeUrl(r);
    }
    String authorize = registration.getProviderDetails().getAuthorizationUri();
    if (authorize != null && !authorize.isBlank()) {
      b.authorizationUrl(authorize);
    }
    return Optional.of(b.build());
  }

  /** The API domain tokens of {@code registration} are kept under: its environment's, else {@link #recordKey}. */
  public static String apiDomain(ClientRegistration registration, Optional<Environment> environment) {
    if (environment.isPresent()) {
      return environment.get().apiDomain();
    }
    String tokenUri = registration.getProviderDetails().getTokenUri();
    if (tokenUri == null || tokenUri.isBlank()) {
      return "urn:spring-registration:" + registration.getRegistrationId();
    }
    return recordKey(URI.create(tokenUri));
  }

  /**
   * The default API domain of a registration that is not on Zoho's accounts servers: its token URI's scheme, host,
   * port and path (no query or fragment; the scheme and host in lower case, a trailing {@code /} dropped). The
   * path is part of it because one server often hosts many independent issuers under one client id (Keycloak
   * realms, Entra ID tenants): their users are different people, so their records must differ.
   */
  static String recordKey(URI tokenUri) {
    String scheme = tokenUri.getScheme() == null ? "" : tokenUri.getScheme().toLowerCase(Locale.ROOT);
    String authority = tokenUri.getRawAuthority() == null ? "" : tokenUri.getRawAuthority().toLowerCase(Locale.ROOT);
    String path = tokenUri.getRawPath() == null ? "" : tokenUri.getRawPath();
    String key = scheme + "://" + authority + path;
    return key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
  }

  private static Environment.@Nullable ClientAuthentication clientAuthentication(ClientAuthenticationMethod m) {
    if (ClientAuthenticationMethod.CLIENT_SECRET_BASIC.equals(m)) {
      return Environment.ClientAuthentication.BASIC;
    }
    if (ClientAuthenticationMethod.CLIENT_SECRET_POST.equals(m) || ClientAuthenticationMethod.NONE.equals(m)) {
      return Environment.ClientAuthentication.FORM;
    }
    return null;
  }

  /** The Zoho data centre whose accounts server {@code tokenUri} is ({@code https}, Zoho's token path), if any. */
  static Optional<DataCenter> zohoDataCenter(String tokenUri) {
    URI u;
    try {
      u = new URI(tokenUri);
    } catch (java.net.URISyntaxException e) {
      return Optional.empty();
    }
    String host = u.getHost();
    if (host == null || !"https".equals(u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT))
        || (u.getPort() != -1 && u.getPort() != 443) || !ZOHO_TOKEN_PATH.equals(u.getPath())) {
      return Optional.empty();
    }
    return DataCenter.ofAccountsHost(host);
  }
}
