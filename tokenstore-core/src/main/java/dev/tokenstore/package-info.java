/**
 * tokenstore: keeps OAuth 2.0 tokens for many users.
 *
 * <p>The API is {@link dev.tokenstore.OAuthToken} (the stored record), {@link dev.tokenstore.TokenStore}
 * (the six operations every store implements) and {@link dev.tokenstore.TokenStores} (opens a store from a
 * URI). Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore;

import org.jspecify.annotations.NullMarked;
