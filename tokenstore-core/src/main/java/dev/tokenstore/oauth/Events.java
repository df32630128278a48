package dev.tokenstore.oauth;

import dev.tokenstore.OAuthToken;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Hands {@link TokenEvent}s of one environment to the listener; a failing listener is logged and ignored. Also
 * the one logger of the token manager and its parts (named after {@code TokenManager}, as before the parts
 * existed, so that logging configurations keep working). Immutable; thread-safe if the listener is.
 */
final class Events {
  static final System.Logger LOG = System.getLogger("dev.tokenstore.oauth.TokenManager");

  private final TokenEventListener listener;
  private final String environment;

  Events(TokenEventListener listener, String environment) {
    this.listener = listener;
    this.environment = environment;
  }

  void emit(TokenEvent.Type type, OAuthToken about) {
    emit(type, about, 0, null, null);
  }

  void emit(TokenEvent.Type type, OAuthToken about, int attempt, @Nullable Duration delay, @Nullable Throwable error) {
    if (listener == TokenEventListener.NONE) {
      return;
    }
    try {
      listener.onEvent(new TokenEvent(type, environment, about.id(), about.userName(), attempt, delay, error));
    } catch (RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "A token event listener failed on " + type + "; ignored.", ex);
    }
  }
}
