package dev.tokenstore.server;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.util.Locale;

/** What an API key may do. Immutable and thread-safe. */
public enum ApiScope {
  /** Get access tokens ({@code POST /api/v1/access-token}) and list tokens (no secrets). */
  READ,
  /** Everything {@link #READ} may do, and store, delete and revoke tokens. */
  ADMIN;

  /** Whether a key of this scope may do what {@code needed} allows. */
  public boolean allows(ApiScope needed) {
    return this == ADMIN || needed == READ;
  }

  /** The scope's name in the API and on the command line: {@code read} or {@code admin}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The scope named {@code label} ({@code read} or {@code admin}, any case).
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} for any other name
   */
  public static ApiScope of(String label) {
    for (ApiScope s : values()) {
      if (s.label().equalsIgnoreCase(label.trim())) {
        return s;
      }
    }
    throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An API key scope is 'read' or 'admin', not '"
        + dev.tokenstore.Secrets.shorten(label) + "'.");
  }
}
