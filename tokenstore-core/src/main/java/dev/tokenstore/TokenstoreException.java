package dev.tokenstore;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The root of every failure that tokenstore reports: catch this one type to handle them all. Carries an
 * {@link ErrorCode} as a field, for programs to switch on; {@link #getMessage()} is the plain message, which says
 * what happened and what to do and never contains a secret (tokens, client secrets, passwords). A cause from a
 * driver, the file system or the HTTP client is attached as is.
 *
 * <p>Two families sit beneath it: {@link StoreException} (the store could not do what was asked) and
 * {@code dev.tokenstore.oauth.OAuthException} (the authorization server refused or failed). A few failures belong
 * to neither and are thrown as this type itself: {@link ErrorCode#LEASE_WAIT_TIMEOUT} and
 * {@link ErrorCode#INTERRUPTED} while waiting for another refresher, and {@link ErrorCode#INVALID_ARGUMENT} from
 * the validation of builders and policies.
 *
 * <p>Unchecked, like {@code java.io.UncheckedIOException}: most callers cannot recover and should not have to
 * declare it. Thread-safe (immutable).
 */
public class TokenstoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public TokenstoreException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public TokenstoreException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The message: what happened and what to do; never null, never a secret. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  /** The stable error code. */
  public ErrorCode code() {
    return code;
  }

  /** The class name, the code and the message, e.g. {@code dev.tokenstore.StoreException [CORRUPT_STORE]: ...}. */
  @Override
  public String toString() {
    return getClass().getName() + " [" + code + "]: " + getMessage();
  }
}
