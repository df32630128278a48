package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import java.util.Objects;

/**
 * The one check of every duration a user sets on a manager or policy: not null, not negative (or not zero), and
 * not beyond a bound that keeps the arithmetic on it (milliseconds, nanoseconds, instants) from overflowing.
 * Failures are {@link ErrorCode#INVALID_ARGUMENT}. Stateless; thread-safe.
 */
final class DurationBounds {
  /** Timeouts, lease times and backoffs: a day is far beyond any sensible value. */
  static final Duration DAY = Duration.ofDays(1);
  /** Refresh windows: a year. */
  static final Duration YEAR = Duration.ofDays(366);
  /** Cleanup ages: a hundred years. */
  static final Duration CENTURY = Duration.ofDays(36_525);

  private DurationBounds() {}

  /** {@code d}, checked to be between zero and {@code max}. */
  static Duration nonNegative(Duration d, String what, Duration max) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, what + " must not be negative, was " + d);
    }
    return atMost(d, what, max);
  }

  /** {@code d}, checked to be above zero and at most {@code max}. */
  static Duration positive(Duration d, String what, Duration max) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, what + " must be positive, was " + d);
    }
    return atMost(d, what, max);
  }

  private static Duration atMost(Duration d, String what, Duration max) {
    if (d.compareTo(max) > 0) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          what + " must be at most " + max + " (" + max.toDays() + " days), was " + d);
    }
    return d;
  }
}
