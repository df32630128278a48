package dev.tokenstore.spring;

import dev.tokenstore.oauth.TokenManager;

/**
 * Changes the {@link TokenManager.Builder} of one client registration before its manager is built, e.g. its
 * {@code retryPolicy}, {@code listener} or {@code clock}. Every customizer bean of the application is applied, in
 * {@link org.springframework.core.annotation.Order} order, after the {@code tokenstore.*} properties. Implementations
 * must be thread-safe.
 */
@FunctionalInterface
public interface TokenManagerCustomizer {

  /**
   * Changes {@code builder}.
   *
   * @param registrationId the registration's id ({@code spring.security.oauth2.client.registration.<id>})
   * @param builder the builder, with store, environment and the properties already set
   */
  void customize(String registrationId, TokenManager.Builder builder);
}
