package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs one call to the authorization server under the {@link RetryPolicy}: transient failures
 * ({@link ErrorCode#SERVER_ERROR}) are retried after the policy's backoff, waited through the {@link Sleeper};
 * throttling is counted and reported, never retried. Every attempt is counted as a token-endpoint call.
 * Immutable; thread-safe.
 */
final class Retries {
  private final RetryPolicy policy;
  private final Sleeper sleeper;
  private final Counters counters;
  private final Events events;

  Retries(RetryPolicy policy, Sleeper sleeper, Counters counters, Events events) {
    this.policy = policy;
    this.sleeper = sleeper;
    this.counters = counters;
    this.events = events;
  }

  /** The result of {@code call}, retried; {@code about} names the token in events. */
  <T> T call(OAuthToken about, Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      counters.endpointCalls.increment();
      try {
        return call.get();
      } catch (OAuthException ex) {
        if (ex.code() == ErrorCode.THROTTLED) {
          counters.throttled.increment();
          events.emit(TokenEvent.Type.THROTTLED, about, attempt, ex.retryAfter().orElse(null), ex);
          throw ex;
        }
        if (ex.code() != ErrorCode.SERVER_ERROR || Thread.currentThread().isInterrupted()) {
          throw ex;
        }
        if (attempt >= policy.maxAttempts()) {
          if (attempt == 1) {
            throw ex;
          }
          throw new OAuthException(ErrorCode.SERVER_ERROR,
              ex.getMessage() + " (" + attempt + " attempts made; nothing was changed)",
              ex.serverError().orElse(null), ex.httpStatus(), ex.retryAfter().orElse(null), ex);
        }
        Duration delay = policy.backoff(attempt);
        counters.retries.increment();
        events.emit(TokenEvent.Type.RETRY, about, attempt + 1, delay, ex);
        if (!sleeper.pause(delay)) {
          throw new TokenstoreException(ErrorCode.INTERRUPTED, "Interrupted while waiting to retry after: "
              + ex.getMessage() + " Nothing was changed.", ex);
        }
      }
    }
  }

}
