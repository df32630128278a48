package dev.tokenstore;

import org.jspecify.annotations.Nullable;

/**
 * A store operation failed: the store is unreachable, closed or corrupt, or the call asked for something the
 * store's rules forbid (a duplicate, an ambiguous match, a missing token). {@link #code()} says which; the
 * message says what to do and never contains a secret. Drivers do not see token values in parameterised
 * statements.
 *
 * <p>Thread-safe (immutable).
 */
public class StoreException extends TokenstoreException {
  private static final long serialVersionUID = 1L;

  public StoreException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public StoreException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(code, message, cause);
  }
}
