/**
 * tokenstore behind Spring Security's OAuth2 client: {@link dev.tokenstore.spring.TokenStoreOAuth2AuthorizedClientService}
 * keeps authorized clients in a {@link dev.tokenstore.TokenStore}, {@link dev.tokenstore.spring.TokenstoreAuthorizedClientManager}
 * hands out their tokens through a {@link dev.tokenstore.oauth.TokenManager} per client registration
 * ({@link dev.tokenstore.spring.RegistrationTokenManagers}): one refresh per expiry across threads and instances.
 * Everything here is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore.spring;

import org.jspecify.annotations.NullMarked;
