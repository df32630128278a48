package dev.tokenstore.oauth;

import dev.tokenstore.OAuthToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a token is due for refresh: the one rule that both the token manager's hand-out cache (its precomputed
 * refresh time) and its refresh decision under the lease use, and that displays can ask ({@link #dueAt}).
 *
 * <p>The effective refresh window is the configured window, but never more than half of the access token's
 * lifetime when that is known ({@link OAuthToken#issuedAt()} to {@link OAuthToken#expiresAt()}): a token that
 * lives 30 seconds is refreshed 15 seconds before it expires, a ten-minute token five minutes before (with the
 * default five-minute window), a one-hour token five minutes before. Without an issue time (a record written by
 * another program), or with one that is not before the expiry, the configured window applies as it is.
 *
 * <p>Stateless and thread-safe.
 */
public final class RefreshTiming {
  private RefreshTiming() {}

  /**
   * When {@code token} is due for refresh under the refresh window {@code window} (a manager's
   * {@link TokenManager.Builder#refreshWindow}, default five minutes), by the rule above: the instant from which a
   * token manager refreshes it before handing it out. Empty when its access token has no expiry (never due); the
   * epoch when it has no access token (due now). For displays such as the CLI's "expiring" status.
   */
  public static Optional<Instant> dueAt(OAuthToken token, Duration window) {
    long at = refreshAt(token, DurationBounds.nonNegative(window, "window", DurationBounds.YEAR).toMillis());
    if (at == Long.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(at == Long.MIN_VALUE ? Instant.EPOCH : Instant.ofEpochMilli(at));
  }

  /**
   * The epoch millisecond from which {@code t} is due for refresh: {@link Long#MIN_VALUE} when it has no access
   * token (due now), {@link Long#MAX_VALUE} when its access token has no expiry (never due).
   *
   * @param windowMillis the configured refresh window, the upper bound of the effective one
   */
  static long refreshAt(OAuthToken t, long windowMillis) {
    if (t.accessToken() == null) {
      return Long.MIN_VALUE;
    }
    Instant expiry = t.expiresAt();
    if (expiry == null) {
      return Long.MAX_VALUE;
    }
    long expires = expiry.toEpochMilli();
    return expires == Long.MIN_VALUE || expires == Long.MAX_VALUE ? expires : expires - window(t, expires, windowMillis);
  }

  /** The effective window of {@code t}, whose access token expires at {@code expires}: see the class comment. */
  private static long window(OAuthToken t, long expires, long windowMillis) {
    Instant issued = t.issuedAt();
    if (issued == null) {
      return windowMillis;
    }
    long lifetime;
    try {
      lifetime = Math.subtractExact(expires, issued.toEpochMilli());
    } catch (ArithmeticException e) {
      return windowMillis; // an issue time too far from 1970 for epoch milliseconds: not a real one
    }
    return lifetime > 0 ? Math.min(windowMillis, lifetime / 2) : windowMillis;
  }

  /** Whether {@code t} has an access token that is not yet due for refresh at {@code nowMillis}. */
  static boolean isFresh(OAuthToken t, long nowMillis, long windowMillis) {
    return t.accessToken() != null && nowMillis < refreshAt(t, windowMillis);
  }
}
