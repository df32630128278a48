package dev.tokenstore.spi;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import org.jspecify.annotations.Nullable;

/**
 * A transforming decorator for tests: keeps access and refresh tokens reversed in the wrapped store (a
 * deterministic stand-in for encryption). Thread-safe.
 */
public final class ReversingStore extends ForwardingTokenStore {
  public ReversingStore(TokenStore store) {
    super(store);
  }

  @Override
  protected OAuthToken toDelegate(OAuthToken t) {
    return t.toBuilder().accessToken(reverse(t.accessToken())).refreshToken(reverse(t.refreshToken())).build();
  }

  @Override
  protected OAuthToken fromDelegate(OAuthToken t) {
    return toDelegate(t);
  }

  /** {@code s} backwards. */
  public static @Nullable String reverse(@Nullable String s) {
    return s == null ? null : new StringBuilder(s).reverse().toString();
  }
}
