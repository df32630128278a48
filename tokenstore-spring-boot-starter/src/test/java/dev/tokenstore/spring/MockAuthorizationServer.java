package dev.tokenstore.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * mock-oauth2-server (an independent OAuth 2.0 / OIDC server: authorization code without a login page, refresh
 * tokens rotated on every refresh, the old one refused afterwards) on 127.0.0.1, with a {@link TokenEndpointProxy}
 * in front of its token endpoint, and the Spring properties of a registration {@code mock} against it.
 */
public final class MockAuthorizationServer implements AutoCloseable {
  public static final String ISSUER = "issuer1";
  public static final String CLIENT_ID = "spring-client";
  public static final String CLIENT_SECRET = "spring-client-SECRET-value";

  public final MockOAuth2Server server;
  public final TokenEndpointProxy proxy;

  public MockAuthorizationServer() {
    try {
      server = new MockOAuth2Server(new OAuth2Config(false, null, null, true));
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      proxy = new TokenEndpointProxy(URI.create(server.tokenEndpointUrl(ISSUER).toString()), CLIENT_ID, CLIENT_SECRET);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next authorization code exchanged is for {@code subject} (the principal name in Spring). */
  public void nextSubject(String subject) {
    server.enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER, subject));
  }

  /** The {@code spring.security.oauth2.client.*} properties of registration {@code mock} and the sample's API. */
  public Map<String, String> springProperties() {
    String p = "spring.security.oauth2.client.";
    return Map.of(
        p + "registration.mock.client-id", CLIENT_ID,
        p + "registration.mock.client-secret", CLIENT_SECRET,
        p + "registration.mock.scope", "openid,offline_access",
        p + "provider.mock.issuer-uri", server.issuerUrl(ISSUER).toString(),
        p + "provider.mock.token-uri", proxy.url(),
        "sample.api-url", server.userInfoUrl(ISSUER).toString());
  }

  @Override
  public void close() {
    proxy.close();
    server.shutdown();
  }
}
