package dev.tokenstore.oauth;

import dev.tokenstore.OAuthToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Where a stored token stands, as the command line, the HTTP API and the console show it. {@link #EXPIRING} is
 * what a {@link TokenManager} with the default refresh window would refresh before handing out
 * ({@link RefreshTiming#dueAt}: within 5 minutes of expiry, or past half the lifetime of a shorter-lived token).
 * Immutable and thread-safe.
 */
public enum TokenStatus {
  /** An access token that is handed out as it is. */
  VALID,
  /** An access token still valid but due for a refresh (the next use refreshes it). */
  EXPIRING,
  /** The access token has expired (or is missing); the refresh token gets a new one. */
  EXPIRED,
  /** A grant token (authorization code) not yet exchanged. */
  NOT_EXCHANGED,
  /** Neither a valid access token nor a refresh token nor a grant token: the user must authorize again. */
  REAUTHORIZATION_REQUIRED;

  /** The default refresh window of a {@link TokenManager}: 5 minutes. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

  /** The status of {@code token} at {@code now} with the default refresh window. */
  public static TokenStatus of(OAuthToken token, Instant now) {
    Instant exp = token.expiresAt();
    if (token.accessToken() != null && RefreshTiming.dueAt(token, DEFAULT_WINDOW).map(now::isBefore).orElse(true)) {
      return VALID;
    }
    if (token.accessToken() != null && exp != null && exp.isAfter(now)) {
      return EXPIRING;
    }
    if (token.refreshToken() != null) {
      return EXPIRED;
    }
    if (token.grantToken() != null) {
      return NOT_EXCHANGED;
    }
    return REAUTHORIZATION_REQUIRED;
  }

  /** The name in JSON: {@code valid}, {@code expiring}, {@code expired}, {@code not_exchanged}, {@code reauthorization_required}. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
