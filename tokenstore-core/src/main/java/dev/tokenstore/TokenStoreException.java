package dev.tokenstore;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A store operation failed. Carries an {@link ErrorCode}; the message says what happened and what to do,
 * and never contains a secret (tokens, client secrets, passwords). A cause from a driver or the file system
 * is attached as is; drivers do not see token values in parameterised statements.
 *
 * <p>Unchecked, like {@code java.io.UncheckedIOException}: most callers cannot recover and should not have to
 * declare it. Thread-safe (immutable).
 */
public class TokenStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public TokenStoreException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public TokenStoreException(ErrorCode code, String message, @Nullable Throwable cause) {
    super("[" + Objects.requireNonNull(code, "code") + "] " + message, cause);
    this.code = code;
  }

  /** The stable error code. */
  public ErrorCode code() {
    return code;
  }
}
