package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spi.TokenStoreProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Opens SQLite stores for {@link dev.tokenstore.TokenStores#open(String)}:
 * <ul>
 *   <li>{@code sqlite:PATH} and {@code jdbc:sqlite:PATH}: a database file (created 0600 when missing; a
 *       {@code file:} URI is accepted as the path too);
 *   <li>{@code sqlite::memory:} and {@code jdbc:sqlite::memory:}: a new in-memory database.
 * </ul>
 * Query parameters: {@code table=NAME} (default {@code oauthtoken}; a plain identifier) and
 * {@code createSchema=false} (do not create or upgrade the table). Other parameters are refused.
 *
 * <p>Thread-safe (stateless).
 */
public final class SqliteStoreProvider implements TokenStoreProvider {
  private static final String MEMORY = ":memory:";

  @Override
  public List<String> schemes() {
    return List.of("sqlite", "jdbc:sqlite");
  }

  @Override
  public TokenStore open(String uri) {
    return configure(uri).build();
  }

  /**
   * The builder of the store {@code uri} names, not yet built: parses the URI and opens nothing.
   *
   * @throws StoreException {@link ErrorCode#INVALID_STORE_URI} for a malformed URI (the message masks passwords)
   */
  JdbcTokenStore.Builder configure(String uri) {
    String base = StoreUris.withoutQuery(uri);
    String rest;
    if (base.regionMatches(true, 0, "jdbc:sqlite:", 0, 12)) {
      rest = base.substring(12);
    } else if (base.regionMatches(true, 0, "sqlite:", 0, 7)) {
      rest = base.substring(7);
    } else {
      throw StoreUris.invalid(uri, "not a SQLite URI; use sqlite:PATH, sqlite::memory: or jdbc:sqlite:PATH.");
    }
    JdbcTokenStore.Builder b = JdbcTokenStore.builder();
    for (Map.Entry<String, String> p : StoreUris.queryParameters(uri).entrySet()) {
      switch (p.getKey()) {
        case "table":
          if (!Identifiers.isValid(p.getValue())) {
            throw StoreUris.invalid(uri, "the table name is not a plain SQL identifier. Use 1 to 64 letters, "
                + "digits or underscores, not starting with a digit (e.g. table=oauthtoken).");
          }
          b.table(p.getValue());
          break;
        case "createschema":
          b.createSchema(parseBoolean(uri, p.getValue()));
          break;
        default:
          throw StoreUris.invalid(uri, "unknown parameter '" + p.getKey() + "'. SQLite stores take table=NAME "
              + "and createSchema=true|false.");
      }
    }
    if (rest.equalsIgnoreCase(MEMORY)) {
      return b.sqliteInMemory();
    }
    if (rest.isEmpty()) {
      throw StoreUris.invalid(uri, "no database file. Use e.g. sqlite:zohooauth.db or sqlite::memory:.");
    }
    return b.sqliteFile(path(uri, rest));
  }

  private static Path path(String uri, String rest) {
    try {
      if (rest.regionMatches(true, 0, "file:", 0, 5)) {
        if (rest.regionMatches(true, 0, "file:/", 0, 6)) {
          try {
            return Path.of(URI.create(rest)); // a proper (percent-encoded) file URI
          } catch (IllegalArgumentException notEncoded) {
            // fall through: a path written after "file:" as is
          }
        }
        String p = rest.substring(5);
        return Path.of(p.startsWith("///") ? p.substring(2) : p);
      }
      return Path.of(rest);
    } catch (IllegalArgumentException e) { // InvalidPathException too
      throw StoreUris.invalid(uri, "the database path is not valid on this system: " + e.getMessage());
    }
  }

  private static boolean parseBoolean(String uri, String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new StoreException(ErrorCode.INVALID_STORE_URI, "Store URI '" + StoreUris.mask(uri)
            + "': createSchema must be true or false.");
    }
  }
}
