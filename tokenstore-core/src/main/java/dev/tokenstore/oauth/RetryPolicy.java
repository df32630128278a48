package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a transient failure of the authorization server (HTTP 5xx or 408, timeout,
 * connection refused or reset, a truncated reply) is retried: at most {@link #maxAttempts()} calls in all,
 * waiting {@code min(maxBackoff, baseBackoff * 2^(n-1))} before retry {@code n}, shortened by a random
 * fraction of up to {@link #jitter()} so that many clients do not retry in step. Throttling and rejections
 * are never retried. Immutable and thread-safe.
 *
 * @param maxAttempts calls in all, at least 1 (1 means no retry)
 * @param baseBackoff the wait before the first retry
 * @param maxBackoff the longest wait
 * @param jitter between 0 (fixed waits) and 1 (waits anywhere between 0 and the full backoff)
 */
public record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff, double jitter) {

  /** Three attempts, 200 ms then 400 ms, at most 5 s, jitter 0.5. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(5), 0.5);

  /** One attempt, no retry. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);

  public RetryPolicy {
    if (maxAttempts < 1 || maxAttempts > 20) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "maxAttempts must be between 1 and 20, was " + maxAttempts);
    }
    DurationBounds.nonNegative(baseBackoff, "baseBackoff", DurationBounds.DAY);
    DurationBounds.nonNegative(maxBackoff, "maxBackoff", DurationBounds.DAY);
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "jitter must be between 0 and 1, was " + jitter);
    }
  }

  /** The wait before retry number {@code retry} (1 for the first retry), jitter applied. */
  public Duration backoff(int retry) {
    long base = baseBackoff.toMillis();
    long max = maxBackoff.toMillis();
    long exp = base << Math.min(Math.max(retry - 1, 0), 20);
    long full = Math.min(max, exp < 0 ? max : exp);
    long cut = (long) (full * jitter * ThreadLocalRandom.current().nextDouble());
    return Duration.ofMillis(full - cut);
  }
}
