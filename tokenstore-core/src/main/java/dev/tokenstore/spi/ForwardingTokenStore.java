package dev.tokenstore.spi;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The base class of a store decorator (logging, metrics, encryption, ...): forwards the six operations,
 * {@link #close()} and {@linkplain #capability(Class) capability lookups} to the store it wraps, in the spirit of
 * Guava's {@code ForwardingObject}. Override what the decorator changes and call {@code super}.
 *
 * <h2>Capabilities survive</h2>
 * A decorated store keeps the optional capabilities of the store it wraps, so that a {@code TokenManager} over a
 * logging decorator of a {@code JdbcTokenStore} still gets cross-process leases and compare-and-set saves:
 * <ul>
 *   <li>a capability the decorator implements itself is the decorator;
 *   <li>{@link ConditionalSave} is a view whose {@code saveTokenIf(expected, update)} calls this decorator's
 *       {@link #saveTokenIf(ConditionalSave, OAuthToken, OAuthToken)}, which by default passes both tokens through
 *       {@link #toDelegate} and the result through {@link #fromDelegate}, exactly as {@link #saveToken} does. A
 *       compare-and-set save never bypasses the decorator's transformation;
 *   <li>a capability interface that {@linkplain ReturnsTokens returns tokens} (such as
 *       {@code oauth.TokenPages}) is the wrapped store's, seen through {@link ReturnsTokens#revealedBy} with this
 *       decorator's {@link #revealed} (by default {@link #fromDelegate}): tokens it returns are never the stored
 *       form;
 *   <li>any other type ({@link RefreshCoordination}, or the wrapped store's own class) is the wrapped store's
 *       answer, as JDBC's {@code Wrapper.unwrap} answers for a wrapped connection. A concrete store class reached
 *       this way is the undecorated store: what is done with it bypasses the decorator.
 * </ul>
 *
 * <h2>Transforming decorators</h2>
 * A decorator that stores tokens differently from how callers see them overrides the two hooks
 * {@link #toDelegate} (every token and query passed down: saves, lookups, both tokens of a conditional save) and
 * {@link #fromDelegate} (every token returned). Every forwarding method, the {@link ConditionalSave} view
 * included, goes through them:
 *
 * <pre>{@code
 * final class SealingStore extends ForwardingTokenStore {
 *   SealingStore(TokenStore store) { super(store); }
 *
 *   protected OAuthToken toDelegate(OAuthToken t) {  // seal(null) is null
 *     return t.toBuilder().accessToken(seal(t.accessToken())).refreshToken(seal(t.refreshToken())).build();
 *   }
 *
 *   protected OAuthToken fromDelegate(OAuthToken t) {
 *     return t.toBuilder().accessToken(unseal(t.accessToken())).refreshToken(unseal(t.refreshToken())).build();
 *   }
 * }
 * }</pre>
 *
 * The compare-and-set condition compares the stored access token, refresh token and client secret with those of
 * {@code toDelegate(expected)}. That holds for a deterministic transformation. A randomized one (an AEAD
 * encryption with a fresh nonce per call) produces another ciphertext every time, so such a decorator overrides
 * the conditional save to compare plaintexts and then compare-and-set on the stored ciphertext; the wrapped
 * store's check keeps it atomic:
 *
 * <pre>{@code
 * @Override
 * protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
 *   Optional<OAuthToken> stored = delegate().findTokenById(ConditionalSave.requireId(update));
 *   if (stored.isEmpty() || !ConditionalSave.matches(fromDelegate(stored.get()), expected)) {
 *     return Optional.empty();
 *   }
 *   return target.saveTokenIf(stored.get(), toDelegate(update)).map(this::fromDelegate);
 * }
 * }</pre>
 *
 * (It also overrides {@link #findToken} when callers look tokens up by access, grant or refresh token.)
 *
 * <h2>Hiding a capability</h2>
 * A decorator that cannot honour a capability hides it:
 *
 * <pre>{@code
 * @Override
 * public <T> Optional<T> capability(Class<T> type) {
 *   return type == ConditionalSave.class ? Optional.empty() : super.capability(type);
 * }
 * }</pre>
 *
 * A hidden (or, in a decorator that implements {@link TokenStore} directly instead of extending this class,
 * forgotten) capability makes a {@code TokenManager} fall back: without {@link RefreshCoordination} it uses
 * {@link RefreshCoordinator#inJvm()}, so managers in one JVM still refresh once per expiry but each process
 * refreshes on its own (with rotating refresh tokens, processes can then invalidate each other's refresh token);
 * without {@link ConditionalSave} the result of a refresh is saved with a plain {@code saveToken}, so a refresher
 * whose lease lapsed can overwrite a newer token.
 *
 * <p>Thread-safe when the wrapped store is and the subclass's overrides are; this class keeps no state but the
 * wrapped store.
 */
public abstract class ForwardingTokenStore implements TokenStore {
  private final TokenStore delegate;

  /** Wraps {@code delegate}; closing this store closes it. */
  protected ForwardingTokenStore(TokenStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The wrapped store. */
  protected final TokenStore delegate() {
    return delegate;
  }

  /**
   * The token as the wrapped store keeps it: applied to every token passed down (saved tokens, queries, both
   * tokens of a conditional save). The default returns {@code token} unchanged.
   */
  protected OAuthToken toDelegate(OAuthToken token) {
    return token;
  }

  /**
   * The token as callers see it: applied to every token the wrapped store returns. The default returns
   * {@code stored} unchanged.
   */
  protected OAuthToken fromDelegate(OAuthToken stored) {
    return stored;
  }

  /**
   * The conditional save behind the {@link ConditionalSave} this store's {@link #capability(Class)} returns.
   * The default is {@code target.saveTokenIf(toDelegate(expected), toDelegate(update))}, its result passed
   * through {@link #fromDelegate}.
   *
   * @param target the wrapped store's conditional save
   * @param expected the record as the caller read it (as callers see tokens)
   * @param update the refresh result (as callers see tokens); its id names the record
   */
  protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
    return target.saveTokenIf(toDelegate(expected), toDelegate(update)).map(this::fromDelegate);
  }

  /**
   * A token as callers see it, or null to leave it out: applied to every token that a capability which
   * {@linkplain ReturnsTokens returns tokens} returns through this decorator. The default is
   * {@link #fromDelegate}.
   */
  protected @Nullable OAuthToken revealed(OAuthToken stored) {
    return fromDelegate(stored);
  }

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    return delegate.findToken(toDelegate(query)).map(this::fromDelegate);
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    return fromDelegate(delegate.saveToken(toDelegate(token)));
  }

  @Override
  public List<OAuthToken> saveTokens(List<OAuthToken> tokens) {
    return delegate.saveTokens(tokens.stream().map(this::toDelegate).toList()).stream().map(this::fromDelegate)
        .toList();
  }

  @Override
  public boolean deleteToken(String id) {
    return delegate.deleteToken(id);
  }

  @Override
  public List<OAuthToken> getTokens() {
    return delegate.getTokens().stream().map(this::fromDelegate).toList();
  }

  @Override
  public void deleteTokens() {
    delegate.deleteTokens();
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    return delegate.findTokenById(id).map(this::fromDelegate);
  }

  /**
   * This decorator when it implements {@code type}; for {@link ConditionalSave}, a view through
   * {@link #saveTokenIf(ConditionalSave, OAuthToken, OAuthToken)} when the wrapped store has one; for
   * a capability that {@linkplain ReturnsTokens returns tokens}, a view through {@link #revealed}; for
   * {@link RefreshCoordination}, a view of the wrapped store's coordinator (never the wrapped store itself);
   * otherwise the wrapped store's {@code capability(type)}. Override to hide a capability (see the class comment).
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type.isInstance(this)) {
      return Optional.of(type.cast(this));
    }
    if (type == ConditionalSave.class) {
      return delegate.capability(ConditionalSave.class)
          .map(target -> type.cast((ConditionalSave) (expected, update) -> saveTokenIf(target, expected, update)));
    }
    if (type == RefreshCoordination.class) {
      // a view, never the wrapped store itself (which a caller could cast and use without this decorator)
      return delegate.capability(RefreshCoordination.class)
          .map(target -> type.cast((RefreshCoordination) target::refreshCoordinator));
    }
    Optional<T> found = delegate.capability(type);
    if (type.isInterface() && ReturnsTokens.class.isAssignableFrom(type) && found.isPresent()
        && found.get() instanceof ReturnsTokens<?> tokens) {
      // a view through this decorator, never the wrapped store's object (which returns stored tokens)
      return Optional.of(type.cast(tokens.revealedBy(this::revealed)));
    }
    return found;
  }

  /** Closes the wrapped store. */
  @Override
  public void close() {
    delegate.close();
  }
}
