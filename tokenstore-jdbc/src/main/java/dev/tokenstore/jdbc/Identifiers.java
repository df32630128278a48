package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.util.regex.Pattern;

/** Validates SQL identifiers (table names) before they go into SQL. Thread-safe. */
final class Identifiers {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private Identifiers() {}

  /**
   * The name of an index or constraint of {@code table}: {@code table + "_" + suffix}, shortened to at most 63
   * characters (PostgreSQL's limit; MySQL's is 64) with a hash of the table name when it would be longer, so
   * that names stay distinct per table.
   */
  static String derived(String table, String suffix) {
    String name = table + "_" + suffix;
    if (name.length() <= 63) {
      return name;
    }
    String hash = String.format("%08x", table.hashCode());
    return table.substring(0, 63 - suffix.length() - hash.length() - 2) + "_" + hash + "_" + suffix;
  }

  static boolean isValid(String name) {
    return IDENTIFIER.matcher(name).matches();
  }

  /** {@code name} if it is a plain identifier, else a {@link StoreException} with {@code code}. */
  static String require(String name, ErrorCode code) {
    if (!isValid(name)) {
      String shown = name.length() > 80 ? name.substring(0, 77) + "..." : name;
      throw new StoreException(code, "The table name '" + shown + "' is not a plain SQL identifier. "
          + "Use 1 to 64 letters, digits or underscores, not starting with a digit (e.g. 'oauthtoken').");
    }
    return name;
  }
}
