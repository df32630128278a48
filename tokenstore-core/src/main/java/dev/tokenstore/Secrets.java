package dev.tokenstore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * How tokenstore shows secrets and identifiers in {@code toString()}, log lines, exception messages and CLI
 * output: a secret becomes {@code <redacted:3fa9c1>}, six hex digits of its SHA-256, enough to tell two values
 * apart and to match a value one holds against a log line, never enough to recover it. Custom stores, decorators
 * and applications use it to print tokens the same way. {@link #scrub} removes secrets from a text that may quote
 * them (a server's error reply that echoes the request).
 *
 * <p>Static methods only; thread-safe.
 */
public final class Secrets {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int SHORT = 64;

  /**
   * The shortest run of a secret's characters that {@link #scrub} removes, and the shortest secret it searches
   * for: a text with a shorter secret is withheld whole.
   */
  public static final int MIN_RUN = 8;

  /** What {@link #scrub} puts in place of a run of a secret. */
  public static final String REDACTED = "<redacted>";

  private Secrets() {}

  /** {@code <redacted:xxxxxx>}, where {@code xxxxxx} is {@link #fingerprint(String)} of {@code secret}. */
  public static String redact(String secret) {
    return "<redacted:" + fingerprint(secret) + ">";
  }

  /**
   * Six lowercase hex digits: the first three bytes of the SHA-256 of {@code secret} (UTF-8). 24 bits cannot be
   * reversed into a token of any real length.
   */
  public static String fingerprint(String secret) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      char[] out = new char[6];
      for (int i = 0; i < 3; i++) {
        out[2 * i] = HEX[(d[i] >> 4) & 0xF];
        out[2 * i + 1] = HEX[d[i] & 0xF];
      }
      return new String(out);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /**
   * {@code text} with every trace of {@code secrets} replaced by {@link #REDACTED}, or empty when the text must be
   * withheld whole. For texts from elsewhere that may quote what was sent, e.g. a server's error reply that echoes
   * the request.
   *
   * <p>The rule: every run of at least {@link #MIN_RUN} (8) consecutive characters of a secret is removed, so
   * whole copies, prefixes (a truncated echo), suffixes and middles all go, in any of the forms a secret takes in a
   * request or a reply: as is; URL-encoded ({@code %2B} or {@code %2b} for {@code +}, and {@code +} or
   * {@code %20} for a space); JSON-escaped (<code>&#92;/</code>, <code>&#92;u002b</code>, ...); and in any letter case
   * (upper-cased echoes). Shorter fragments stay: seven characters of a long secret do not give it away, and
   * searching for them would redact ordinary words. A secret shorter than {@link #MIN_RUN} characters cannot be
   * found that way without redacting every such letter of the text, so a text is withheld (empty) whenever a
   * non-empty secret is that short. Empty secrets are ignored.
   *
   * @param text the text, e.g. a server's {@code error_description}
   * @param secrets what was sent and must not come back: tokens, client secrets, encoded credentials
   */
  public static Optional<String> scrub(String text, Collection<String> secrets) {
    Set<Long> runs = new HashSet<>();
    for (String secret : secrets) {
      if (secret.isEmpty()) {
        continue;
      }
      if (secret.length() < MIN_RUN) {
        return Optional.empty();
      }
      // the secret as sent, and its URL-encoded and JSON-escaped forms as text: decoding a text is ambiguous (an
      // escape can swallow the first character of an echo), so the encoded forms are also looked for as they are
      for (String form : new String[] {secret, java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8),
          jsonEscaped(secret)}) {
        Canonical c = Canonical.of(form, false, false);
        long key = 0;
        for (int i = 0; i < c.length; i++) {
          key = (key << 8) | c.units[i];
          if (i >= MIN_RUN - 1) {
            runs.add(key);
          }
        }
      }
    }
    if (runs.isEmpty()) {
      return Optional.of(text);
    }
    boolean[] hidden = new boolean[text.length()];
    // Decoding is ambiguous (a backslash before the f of a URL-encoded echo is not a JSON escape), so the text is
    // read four ways: as is, URL-decoded, JSON-unescaped, and both.
    boolean any = false;
    for (int way = 0; way < 4; way++) {
      any |= mark(Canonical.of(text, (way & 1) != 0, (way & 2) != 0), runs, hidden);
    }
    if (!any) {
      return Optional.of(text);
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      if (!hidden[i]) {
        out.append(text.charAt(i));
      } else if (i == 0 || !hidden[i - 1]) {
        out.append(REDACTED);
      }
    }
    return Optional.of(out.toString());
  }

  /** {@code s} as a JSON string's content: quote, backslash and slash escaped, control characters as {@code \\u0000}. */
  private static String jsonEscaped(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\\' || ch == '/') {
        sb.append('\\').append(ch);
      } else if (ch < 0x20) {
        sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  /** Marks in {@code hidden} the characters of the text behind every window of {@code c} found in {@code runs}. */
  private static boolean mark(Canonical c, Set<Long> runs, boolean[] hidden) {
    boolean any = false;
    long key = 0;
    for (int i = 0; i < c.length; i++) {
      key = (key << 8) | c.units[i];
      if (i >= MIN_RUN - 1 && runs.contains(key)) {
        any = true;
        for (int k = c.from[i - MIN_RUN + 1]; k < c.to[i]; k++) {
          hidden[k] = true;
        }
      }
    }
    return any;
  }

  /**
   * A text as bytes to compare (UTF-8, ASCII letters in lower case, a space as {@code +}), optionally with
   * URL-encoding decoded and JSON escapes undone, and for each byte the range of text characters it stands for.
   */
  private static final class Canonical {
    int[] units;
    int[] from;
    int[] to;
    int length;

    private Canonical(int capacity) {
      units = new int[capacity];
      from = new int[capacity];
      to = new int[capacity];
    }

    static Canonical of(String text, boolean urlDecode, boolean jsonUnescape) {
      Canonical c = new Canonical(text.length() * 4 + 4);
      int i = 0;
      while (i < text.length()) {
        char ch = text.charAt(i);
        if (urlDecode && ch == '%' && hex(text, i + 1, 2) >= 0) {
          c.add(hex(text, i + 1, 2), i, i + 3);
          i += 3;
          continue;
        }
        if (jsonUnescape && ch == '\\' && i + 1 < text.length()) {
          char e = text.charAt(i + 1);
          if (e == 'u' && hex(text, i + 2, 4) >= 0) {
            int cp = hex(text, i + 2, 4);
            int end = i + 6;
            if (Character.isHighSurrogate((char) cp) && text.startsWith("\\u", end) && hex(text, end + 2, 4) >= 0
                && Character.isLowSurrogate((char) hex(text, end + 2, 4))) {
              cp = Character.toCodePoint((char) cp, (char) hex(text, end + 2, 4));
              end += 6;
            }
            c.addCodePoint(cp, i, end);
            i = end;
            continue;
          }
          int simple = "/\"\\".indexOf(e) >= 0 ? e : e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n'
              : e == 'r' ? '\r' : e == 't' ? '\t' : -1;
          if (simple >= 0) {
            c.add(simple, i, i + 2);
            i += 2;
            continue;
          }
        }
        int cp = text.codePointAt(i);
        int n = Character.charCount(cp);
        c.addCodePoint(cp, i, i + n);
        i += n;
      }
      return c;
    }

    private void addCodePoint(int cp, int start, int end) {
      byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
      for (byte b : bytes) {
        add(b & 0xFF, start, end);
      }
    }

    private void add(int unit, int start, int end) {
      if (length == units.length) {
        units = java.util.Arrays.copyOf(units, length * 2);
        from = java.util.Arrays.copyOf(from, length * 2);
        to = java.util.Arrays.copyOf(to, length * 2);
      }
      int u = unit >= 'A' && unit <= 'Z' ? unit + ('a' - 'A') : unit == ' ' ? '+' : unit;
      units[length] = u;
      from[length] = start;
      to[length] = end;
      length++;
    }

    /** The value of {@code digits} hex digits at {@code at}, or -1. */
    private static int hex(String s, int at, int digits) {
      if (at + digits > s.length()) {
        return -1;
      }
      int v = 0;
      for (int k = at; k < at + digits; k++) {
        int d = Character.digit(s.charAt(k), 16);
        if (d < 0) {
          return -1;
        }
        v = v * 16 + d;
      }
      return v;
    }
  }

  /**
   * A user name, URL or other non-secret identifier made safe for one line of a message: control characters
   * (C0, DEL, C1) and the Unicode bidirectional controls written as {@code \}{@code uXXXX}, so that a hostile value
   * can neither forge a line nor move the terminal's cursor; then kept as is up to 64 characters, otherwise its
   * first 61 (never half of a surrogate pair) and {@code ...}.
   */
  public static String shorten(String value) {
    StringBuilder sb = new StringBuilder(Math.min(value.length(), SHORT + 8));
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (sb.length() <= SHORT) {
      return sb.toString();
    }
    int cut = SHORT - 3;
    if (Character.isHighSurrogate(sb.charAt(cut - 1))) {
      cut--;
    }
    return sb.substring(0, cut) + "...";
  }
}
