package dev.tokenstore.oauth;

/**
 * Receives the {@link TokenEvent}s of a {@link TokenManager}, on the thread that caused them. Implementations
 * must be thread-safe and quick (they run on the caller's path); an exception thrown by a listener is logged
 * and otherwise ignored.
 */
@FunctionalInterface
public interface TokenEventListener {
  /** A listener that ignores every event. */
  TokenEventListener NONE = event -> {};

  void onEvent(TokenEvent event);
}
