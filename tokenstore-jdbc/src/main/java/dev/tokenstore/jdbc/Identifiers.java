package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenStoreException;
import java.util.regex.Pattern;

/** Validates SQL identifiers (table names) before they go into SQL. Thread-safe. */
final class Identifiers {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private Identifiers() {}

  static boolean isValid(String name) {
    return IDENTIFIER.matcher(name).matches();
  }

  /** {@code name} if it is a plain identifier, else a {@link TokenStoreException} with {@code code}. */
  static String require(String name, ErrorCode code) {
    if (!isValid(name)) {
      String shown = name.length() > 80 ? name.substring(0, 77) + "..." : name;
      throw new TokenStoreException(code, "The table name '" + shown + "' is not a plain SQL identifier. "
          + "Use 1 to 64 letters, digits or underscores, not starting with a digit (e.g. 'oauthtoken').");
    }
    return name;
  }
}
