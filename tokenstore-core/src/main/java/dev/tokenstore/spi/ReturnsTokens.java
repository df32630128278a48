package dev.tokenstore.spi;

import dev.tokenstore.OAuthToken;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Implemented by an optional capability of a store whose methods return tokens as the store keeps them (e.g.
 * {@code dev.tokenstore.oauth.TokenPages}), so that a decorator that keeps tokens differently from how callers see
 * them (an encrypting store) can hand out the capability with every returned token revealed:
 * {@link ForwardingTokenStore#capability} returns {@code revealedBy(this::revealed)} for such a capability of the
 * wrapped store, never the wrapped store's own object.
 *
 * <p>Implementations are thread-safe; the view is too when {@code reveal} is.
 *
 * @param <T> the capability's interface
 */
public interface ReturnsTokens<T> {
  /**
   * This capability with every token it returns passed through {@code reveal}; a token {@code reveal} maps to null
   * (a record deleted meanwhile) is left out.
   */
  T revealedBy(Function<OAuthToken, @Nullable OAuthToken> reveal);
}
