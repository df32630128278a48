package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A call to the authorization server failed: the token endpoint, the revoke endpoint or the user lookup.
 * {@link #code()} says what kind of failure it is ({@link ErrorCode#REAUTHORIZATION_REQUIRED},
 * {@link ErrorCode#THROTTLED}, {@link ErrorCode#SERVER_ERROR}, {@link ErrorCode#PROTOCOL_ERROR},
 * {@link ErrorCode#INVALID_CLIENT}); the message says what happened and what to do and never holds a secret.
 * A failed call never changes the stored token.
 *
 * <p>Immutable and thread-safe.
 */
public class OAuthException extends TokenstoreException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String serverError;
  private final int httpStatus;
  private final @Nullable Duration retryAfter;

  public OAuthException(
      ErrorCode code,
      String message,
      @Nullable String serverError,
      int httpStatus,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause) {
    super(code, message, cause);
    this.serverError = serverError;
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
  }

  /** The {@code error} value of the server's reply (e.g. {@code invalid_code}), if there was one. */
  public Optional<String> serverError() {
    return Optional.ofNullable(serverError);
  }

  /** The HTTP status of the reply, or 0 when there was no reply (connection failure, timeout). */
  public int httpStatus() {
    return httpStatus;
  }

  /** How long to wait before trying again, for {@link ErrorCode#THROTTLED} and {@link ErrorCode#SERVER_ERROR}. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
