package dev.tokenstore.redis;

import dev.tokenstore.spi.StoreUris;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A parsed {@code redis://} or {@code rediss://} URI. Immutable and thread-safe; {@link #toString()} shows the
 * masked URI only.
 */
final class RedisSettings {
  static final String DEFAULT_PREFIX = "tokenstore";
  static final int DEFAULT_TIMEOUT_MILLIS = 2000;

  /** Prefixes become a Redis Cluster hash tag: no braces, nothing that needs escaping in a key name. */
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:/@+=-]{1,100}");
  private static final Set<String> PARAMETERS = Set.of("prefix", "timeout");
  private static final Pattern USERINFO_WITHOUT_COLON = Pattern.compile("(//)([^/:@?#]+)@");

  final boolean tls;
  final String host;
  final int port;
  final int database;
  final @Nullable String user;
  final @Nullable String password;
  final String prefix;
  final int timeoutMillis;
  /** The URI with every credential masked, for messages. */
  final String masked;

  private RedisSettings(boolean tls, String host, int port, int database, @Nullable String user,
      @Nullable String password, String prefix, int timeoutMillis, String masked) {
    this.tls = tls;
    this.host = host;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.prefix = prefix;
    this.timeoutMillis = timeoutMillis;
    this.masked = masked;
  }

  /** The URI with its password (also a user-info part without a colon) replaced by {@code ***}. */
  static final String PREFIX_RULE = "the prefix must be 1 to 100 characters out of letters, digits and ._:/@+=- "
      + "(it becomes the key names' {hash tag}).";

  static boolean validPrefix(String prefix) {
    return PREFIX.matcher(prefix).matches();
  }

  static String mask(String uri) {
    return StoreUris.mask(USERINFO_WITHOUT_COLON.matcher(uri).replaceAll("$1***@"));
  }

  static RedisSettings parse(String uri) {
    String masked = mask(uri);
    URI u;
    try {
      u = new URI(uri);
    } catch (URISyntaxException e) {
      throw invalid(uri, "it is not a valid URI (" + e.getReason() + "). Expected "
          + "redis://[user:password@]host:6379/0?prefix=name; percent-encode special characters in the password.");
    }
    String scheme = u.getScheme();
    boolean tls;
    if ("redis".equalsIgnoreCase(scheme)) {
      tls = false;
    } else if ("rediss".equalsIgnoreCase(scheme)) {
      tls = true;
    } else {
      throw invalid(uri, "the scheme must be redis:// or rediss:// (TLS).");
    }
    String host = u.getHost();
    if (host == null || host.isEmpty()) {
      throw invalid(uri, "the host is missing. Expected redis://[user:password@]host:6379/0?prefix=name.");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = u.getPort() < 0 ? 6379 : u.getPort();

    String user = null;
    String password = null;
    String userInfo = u.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        throw invalid(uri, "the user-info part has no ':'. Write redis://user:password@host/0 (Redis 6 ACL user) "
            + "or redis://:password@host/0 (password only).");
      }
      user = emptyToNull(decode(userInfo.substring(0, colon), uri));
      password = emptyToNull(decode(userInfo.substring(colon + 1), uri));
    }

    int database = 0;
    String path = u.getRawPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      String db = path.substring(1);
      if (!db.matches("[0-9]{1,5}")) {
        throw invalid(uri, "the path must be the database number, e.g. /0.");
      }
      database = Integer.parseInt(db);
    }

    Map<String, String> params = StoreUris.queryParameters(uri);
    for (String name : params.keySet()) {
      if (!PARAMETERS.contains(name)) {
        throw invalid(uri, "unknown parameter '" + name + "'; known parameters: prefix, timeout.");
      }
    }
    String prefix = params.getOrDefault("prefix", DEFAULT_PREFIX);
    if (!validPrefix(prefix)) {
      throw invalid(uri, PREFIX_RULE);
    }
    int timeout = DEFAULT_TIMEOUT_MILLIS;
    String t = params.get("timeout");
    if (t != null) {
      if (!t.matches("[0-9]{1,7}") || Integer.parseInt(t) == 0) {
        throw invalid(uri, "timeout must be a positive number of milliseconds, e.g. timeout=2000.");
      }
      timeout = Integer.parseInt(t);
    }
    return new RedisSettings(tls, host, port, database, user, password, prefix, timeout, masked);
  }

  @Override
  public String toString() {
    return masked;
  }

  /**
   * The error for {@code uri}, given whole (not masked: {@link StoreUris#invalid} masks the URI and every form of
   * its passwords that {@code problem} may quote). A user info without {@code ':'} is a password to Redis, so it is
   * handed over written as one.
   */
  private static dev.tokenstore.StoreException invalid(String uri, String problem) {
    return StoreUris.invalid(USERINFO_WITHOUT_COLON.matcher(uri).replaceAll("$1:$2@"), problem);
  }

  private static String decode(String s, String uri) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(uri, "malformed percent-encoding in the user-info part.");
    }
  }

  private static @Nullable String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
