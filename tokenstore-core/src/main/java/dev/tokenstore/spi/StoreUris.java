package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Helpers for store URIs: masking credentials for messages, and reading query parameters. Thread-safe. */
public final class StoreUris {
  private static final Pattern SECRET_PARAM = Pattern.compile(
      "(?i)([?&;](?:password|passwd|pwd|secret|token|key|sslpassword|auth)[^=&;]*=)[^&;#]*");

  private StoreUris() {}

  /**
   * The URI with any password (user info or query parameter) replaced by {@code ***}, safe for messages. A
   * password is taken to run from the first {@code :} after {@code //} to the last {@code @}, so one that was
   * not percent-encoded ({@code /}, {@code ?}, {@code #} or {@code @} in it) is masked whole; when in doubt, more is
   * masked, never less.
   */
  public static String mask(String uri) {
    return SECRET_PARAM.matcher(maskUserInfo(uri)).replaceAll("$1***");
  }

  private static String maskUserInfo(String uri) {
    int start = uri.indexOf("//");
    int at = uri.lastIndexOf('@');
    if (start < 0 || at < start) {
      return uri;
    }
    int colon = uri.indexOf(':', start + 2);
    if (colon < 0 || colon > at) {
      return uri;
    }
    return uri.substring(0, colon + 1) + "***" + uri.substring(at);
  }

  /** The text before the first {@code ?}, and the decoded query parameters after it (last value wins). */
  public static Map<String, String> queryParameters(String uri) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = uri.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(decode(k, uri).toLowerCase(Locale.ROOT), decode(v, uri));
    }
    return out;
  }

  /** The URI without its query part. */
  public static String withoutQuery(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  /** A {@link ErrorCode#INVALID_STORE_URI} error for {@code uri} (masked) with {@code problem}. */
  public static StoreException invalid(String uri, String problem) {
    return new StoreException(ErrorCode.INVALID_STORE_URI, "Store URI '" + mask(uri) + "': " + problem);
  }

  private static String decode(String s, String uri) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(uri, "malformed percent-encoding in the query part");
    }
  }
}
