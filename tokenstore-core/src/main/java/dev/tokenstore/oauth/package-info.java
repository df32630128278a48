/**
 * The token lifecycle: {@link dev.tokenstore.oauth.TokenManager} hands out valid access tokens, exchanging
 * grant tokens, refreshing before expiry (once per expiry inside a JVM), revoking and cleaning up, against
 * Zoho's accounts servers ({@link dev.tokenstore.oauth.Environment#zoho}) or any RFC 6749 server
 * ({@link dev.tokenstore.oauth.Environment#custom}). Everything here is non-null unless annotated
 * {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore.oauth;

import org.jspecify.annotations.NullMarked;
