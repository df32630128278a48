package dev.tokenstore.jdbc;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spi.TokenStoreProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens MySQL/MariaDB and PostgreSQL stores for {@link dev.tokenstore.TokenStores#open(String)}:
 * <ul>
 *   <li>{@code mysql://[user[:password]@]host[:port][/database]} and {@code mariadb://...} (defaults: user
 *       {@code root}, empty password, host {@code localhost}, port 3306, database {@code zohooauth});
 *   <li>{@code postgresql://...} and {@code postgres://...} (defaults: user {@code postgres}, port 5432, database
 *       {@code zohooauth});
 *   <li>{@code jdbc:mysql:...}, {@code jdbc:mariadb:...} and {@code jdbc:postgresql:...}: a JDBC URL handed to
 *       the driver as it is (a {@code jdbc:mysql:} URL goes to MariaDB Connector/J when MySQL Connector/J is not
 *       on the class path).
 * </ul>
 * User name and password in the URI are percent-decoded. Query parameters: {@code table=NAME} (default
 * {@code oauthtoken}), {@code createSchema=true|false} and {@code poolSize=N} are the store's; every other
 * parameter is passed to the JDBC driver as it is (e.g. {@code sslMode=verify-full}, {@code sslMode=disable},
 * {@code sslmode=require}). See {@link ServerStoreBuilder} for the pool and timeouts.
 *
 * <p>Thread-safe (stateless).
 */
public final class ServerStoreProvider implements TokenStoreProvider {

  @Override
  public List<String> schemes() {
    return List.of("mysql", "mariadb", "postgresql", "postgres", "jdbc:mysql", "jdbc:mariadb", "jdbc:postgresql");
  }

  @Override
  public TokenStore open(String uri) {
    return configure(uri).build();
  }

  /**
   * The builder of the store {@code uri} names, not yet built: parses the URI and connects to nothing.
   *
   * @throws StoreException {@link ErrorCode#INVALID_STORE_URI} for a malformed URI (the message masks passwords)
   */
  ServerStoreBuilder configure(String uri) {
    String lower = uri.toLowerCase(Locale.ROOT);
    boolean jdbc = lower.startsWith("jdbc:");
    String scheme = lower.substring(jdbc ? 5 : 0, Math.max(lower.indexOf(':', jdbc ? 5 : 0), 0));
    ServerStoreBuilder b;
    switch (scheme) {
      case "mysql":
      case "mariadb":
        b = JdbcTokenStore.mysql();
        break;
      case "postgresql":
      case "postgres":
        if (jdbc && scheme.equals("postgres")) {
          throw StoreUris.invalid(uri, "use jdbc:postgresql: (or postgresql://).");
        }
        b = JdbcTokenStore.postgres();
        break;
      default:
        throw StoreUris.invalid(uri, "not a MySQL, MariaDB or PostgreSQL URI.");
    }
    // Store parameters are consumed; the rest (with its original spelling) goes to the driver.
    List<String> driverParams = new ArrayList<>();
    int q = uri.indexOf('?');
    if (q >= 0) {
      for (String pair : uri.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq), uri);
        String value = decode(eq < 0 ? "" : pair.substring(eq + 1), uri);
        switch (key.toLowerCase(Locale.ROOT)) {
          case "table":
            if (!Identifiers.isValid(value)) {
              throw StoreUris.invalid(uri, "the table name is not a plain SQL identifier. Use 1 to 64 letters, "
                  + "digits or underscores, not starting with a digit (e.g. table=oauthtoken).");
            }
            b.table(value);
            break;
          case "createschema":
            b.createSchema(parseBoolean(uri, value));
            break;
          case "poolsize":
            try {
              b.poolSize(Integer.parseInt(value));
            } catch (NumberFormatException | StoreException e) {
              throw StoreUris.invalid(uri, "poolSize must be a number from 1 to 1000.");
            }
            break;
          default:
            if (jdbc) {
              driverParams.add(pair);
            } else {
              b.property(key, value);
            }
        }
      }
    }
    if (jdbc) {
      String base = StoreUris.withoutQuery(uri);
      return b.jdbcUrl(base + (driverParams.isEmpty() ? "" : "?" + String.join("&", driverParams)), false);
    }
    parseAuthority(uri, b);
    return b;
  }

  private static void parseAuthority(String uri, ServerStoreBuilder b) {
    URI u;
    try {
      u = new URI(StoreUris.withoutQuery(uri));
    } catch (URISyntaxException e) {
      throw StoreUris.invalid(uri, "not a valid URI (" + e.getReason() + "). Percent-encode special characters "
          + "in the user name and password, e.g. mysql://user:p%40ss@host:3306/zohooauth.");
    }
    if (u.getRawAuthority() != null && u.getHost() == null) {
      throw StoreUris.invalid(uri, "no valid host. Use e.g. mysql://user:password@localhost:3306/zohooauth.");
    }
    try {
      String info = u.getRawUserInfo();
      if (info != null) {
        int colon = info.indexOf(':');
        b.user(decodeUserInfo(colon < 0 ? info : info.substring(0, colon), uri));
        if (colon >= 0) {
          b.password(decodeUserInfo(info.substring(colon + 1), uri));
        }
      }
      if (u.getHost() != null) {
        b.host(u.getHost());
      }
      if (u.getPort() >= 0) {
        b.port(u.getPort());
      }
      String path = u.getRawPath();
      if (path != null && path.length() > 1) {
        b.database(decodeUserInfo(path.substring(1), uri));
      }
    } catch (StoreException e) {
      if (e.code() == ErrorCode.INVALID_ARGUMENT) {
        throw StoreUris.invalid(uri, e.getMessage());
      }
      throw e;
    }
  }

  private static String decodeUserInfo(String s, String uri) {
    return decode(s.replace("+", "%2B"), uri);
  }

  private static String decode(String s, String uri) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw StoreUris.invalid(uri, "malformed percent-encoding");
    }
  }

  private static boolean parseBoolean(String uri, String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw StoreUris.invalid(uri, "createSchema must be true or false.");
    }
  }
}
