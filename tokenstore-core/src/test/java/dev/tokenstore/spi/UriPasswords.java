package dev.tokenstore.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The passwords of a store URI in {@link StoreUris#mask}'s sense (user info from the first {@code :} after
 * {@code //} to the last {@code @}; values of {@code password=}, {@code secret=}, {@code token=}... parameters),
 * and the check that a message does not show one. A message may contain the same text for other reasons (a
 * password {@code localhost} and the advice "use localhost"), so the URI is parsed a second time with every
 * letter and digit of its passwords replaced by another of the same kind (hex digits stay hex digits, so the
 * URI parses the same way): a password shows when the first message contains it more often than the second.
 */
public final class UriPasswords {
  // Test support for the URI fuzz tests of tokenstore-core and tokenstore-jdbc (through the core's test jar).
  private static final Pattern SECRET_PARAM = Pattern.compile(
      "(?i)[?&;](?:password|passwd|pwd|secret|token|key|sslpassword|auth)[^=&;]*=([^&;#]*)");
  private static final int MIN_LENGTH = 4;

  private UriPasswords() {}

  /** Checks {@code outcome} (null: opened; else the error message) of {@code uri} and of its shifted copy. */
  public static void check(String uri, Function<String, @Nullable String> outcome) {
    String message = outcome.apply(uri);
    if (message == null) {
      return;
    }
    List<int[]> spans = spans(uri);
    if (spans.isEmpty()) {
      return;
    }
    String shifted = shift(uri, spans);
    String other = outcome.apply(shifted);
    String m = message.toLowerCase(Locale.ROOT);
    String o = other == null ? "" : other.toLowerCase(Locale.ROOT);
    for (int[] span : spans) {
      for (String form : forms(uri.substring(span[0], span[1]))) {
        assertThat(count(m, form))
            .as("the password '%s' of the URI '%s' shows in its message: %s", form, uri, message)
            .isLessThanOrEqualTo(count(o, form));
      }
    }
  }

  /** The password spans [start, end) of {@code uri}. */
  static List<int[]> spans(String uri) {
    List<int[]> out = new ArrayList<>();
    int start = uri.indexOf("//");
    int at = uri.lastIndexOf('@');
    if (start >= 0 && at > start) {
      int colon = uri.indexOf(':', start + 2);
      if (colon >= 0 && colon < at) {
        out.add(new int[] {colon + 1, at});
      }
    }
    Matcher p = SECRET_PARAM.matcher(uri);
    while (p.find()) {
      out.add(new int[] {p.start(1), p.end(1)});
    }
    return out;
  }

  /** The password as written and percent-decoded (with {@code +} as a space or as is), lower case. */
  static List<String> forms(String password) {
    List<String> out = new ArrayList<>();
    out.add(password);
    for (String s : new String[] {password, password.replace("+", "%2B")}) {
      try {
        out.add(URLDecoder.decode(s, UTF_8));
      } catch (IllegalArgumentException e) {
        // not percent-encoded
      }
    }
    out.removeIf(f -> f.strip().length() < MIN_LENGTH);
    out.replaceAll(f -> f.toLowerCase(Locale.ROOT));
    return out;
  }

  /** {@code uri} with every letter and digit in the spans replaced by another of its kind. */
  static String shift(String uri, List<int[]> spans) {
    char[] c = uri.toCharArray();
    boolean[] done = new boolean[c.length];
    for (int[] span : spans) {
      for (int i = span[0]; i < span[1]; i++) {
        if (!done[i]) {
          c[i] = shift(c[i]);
          done[i] = true;
        }
      }
    }
    return new String(c);
  }

  private static char shift(char ch) {
    if (ch >= '0' && ch <= '9') {
      return (char) ('0' + (ch - '0' + 3) % 10);
    }
    if (ch >= 'a' && ch <= 'f') {
      return (char) ('a' + (ch - 'a' + 3) % 6);
    }
    if (ch >= 'A' && ch <= 'F') {
      return (char) ('A' + (ch - 'A' + 3) % 6);
    }
    if (ch >= 'g' && ch <= 'z') {
      return (char) ('g' + (ch - 'g' + 7) % 20);
    }
    if (ch >= 'G' && ch <= 'Z') {
      return (char) ('G' + (ch - 'G' + 7) % 20);
    }
    return ch;
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
