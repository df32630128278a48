package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
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
    List<int[]> spans = passwordSpans(uri);
    if (spans.isEmpty()) {
      return uri;
    }
    spans.sort(Comparator.comparingInt((int[] span) -> span[0]));
    StringBuilder out = new StringBuilder(uri.length());
    int pos = 0;
    int i = 0;
    while (i < spans.size()) {
      int from = spans.get(i)[0];
      int to = spans.get(i)[1];
      for (i++; i < spans.size() && spans.get(i)[0] <= to; i++) {
        to = Math.max(to, spans.get(i)[1]); // overlapping or touching: one mask
      }
      out.append(uri, pos, from).append("***");
      pos = to;
    }
    return out.append(uri, pos, uri.length()).toString();
  }

  /**
   * Where the passwords are, as [start, end) ranges of {@code uri}, each found in the whole URI: the user info's
   * password (from the first {@code :} after {@code //} to the last {@code @}) and the value of each secret
   * parameter. Found separately, so that neither hides the other (a parameter value holding {@code //} or a
   * parameter name holding {@code @}).
   */
  private static List<int[]> passwordSpans(String uri) {
    List<int[]> spans = new ArrayList<>();
    int start = uri.indexOf("//");
    int at = uri.lastIndexOf('@');
    if (start >= 0 && at > start) {
      int colon = uri.indexOf(':', start + 2);
      if (colon >= 0 && colon < at) {
        spans.add(new int[] {colon + 1, at});
      }
    }
    Matcher m = SECRET_PARAM.matcher(uri);
    while (m.find()) {
      spans.add(new int[] {m.end(1), m.end()});
    }
    return spans;
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

  /**
   * A {@link ErrorCode#INVALID_STORE_URI} error for {@code uri} (masked) with {@code problem}, in which every
   * password of the URI is masked too ({@link #maskPasswords}): a problem that quotes a part of the URI (a host, a
   * path, a parameter) never shows the password that part may hold.
   */
  public static StoreException invalid(String uri, String problem) {
    // the whole message, the masked URI too: a password may also stand where mask() sees no password (as the value
    // of another parameter, after an '@' that made the password parameter part of the user info)
    return new StoreException(
        ErrorCode.INVALID_STORE_URI, maskPasswords("Store URI '" + mask(uri) + "': " + problem, uri));
  }

  /**
   * {@code text} with every password of {@code uri} replaced by {@code ***}: each text that {@link #mask} masks in
   * the URI (the user info's password, the values of {@code password=}, {@code secret=}, ... parameters), as
   * written and percent-decoded, in any letter case. For messages that quote parts of a URI.
   */
  public static String maskPasswords(String text, String uri) {
    List<String> forms = new ArrayList<>();
    for (int[] span : passwordSpans(uri)) {
      addForms(forms, uri.substring(span[0], span[1]));
    }
    if (forms.isEmpty()) {
      return text;
    }
    forms.sort(Comparator.comparingInt(String::length).reversed()); // the longest first
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    next:
    while (i < text.length()) {
      for (String f : forms) {
        if (text.regionMatches(true, i, f, 0, f.length())) {
          out.append("***");
          i += f.length();
          continue next;
        }
      }
      out.append(text.charAt(i++));
    }
    return out.toString();
  }

  /**
   * The password as written and percent-decoded: decoded as {@link #queryParameters} decodes (with
   * {@link URLDecoder}, which also reads {@code %+F} as a byte), and with {@code +} kept or read as a space
   * first; each once and not empty.
   */
  private static void addForms(List<String> forms, String password) {
    add(forms, password);
    for (String encoded :
        new String[] {password, password.replace("+", "%2B"), password.replace("+", "%20")}) {
      try {
        add(forms, URLDecoder.decode(encoded, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // not percent-encoded: the password as written is all there is
      }
    }
  }

  private static void add(List<String> forms, String form) {
    if (!form.isEmpty() && !forms.contains(form)) {
      forms.add(form);
    }
  }

  private static String decode(String s, String uri) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(uri, "malformed percent-encoding in the query part");
    }
  }
}
