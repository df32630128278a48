package dev.tokenstore.cli;

import org.jspecify.annotations.Nullable;

/**
 * The one place where text that comes from a store, a server or a command line (user names, ids, API domains,
 * tokens with {@code --reveal}, error messages) is made safe for a terminal before human output prints it. A
 * stored value could otherwise move the cursor, recolour or clear the screen, set the window title (ESC
 * sequences), forge table rows (CR, LF) or reverse the text around it (bidi overrides).
 *
 * <p>Escaped, as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}: the C0 controls U+0000–U+001F,
 * DEL U+007F, the C1 controls U+0080–U+009F (U+009B is a one-character CSI), the bidi embeddings and overrides
 * U+202A–U+202E and isolates U+2066–U+2069, the marks U+200E, U+200F and U+061C, and the line and paragraph
 * separators U+2028 and U+2029. Everything else is printed as is. JSON output does not come here: Jackson escapes
 * it.
 *
 * <p>Static methods only; thread-safe.
 */
final class TerminalText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TerminalText() {}

  /** {@code value} with every control and bidi character escaped, line feeds too (one table cell, one line). */
  static String escape(@Nullable String value) {
    return value == null ? "null" : escape(value, false);
  }

  /** A message of several lines: as {@link #escape}, but line feeds stay. */
  static String lines(String text) {
    return escape(text, true);
  }

  /** Whether {@code c} is printed escaped. */
  static boolean unsafe(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f' || c == '\u061c' || c == '\u2028'
        || c == '\u2029';
  }

  private static String escape(String s, boolean keepLineFeeds) {
    int i = 0;
    while (i < s.length() && (!unsafe(s.charAt(i)) || (keepLineFeeds && s.charAt(i) == '\n'))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!unsafe(c) || (keepLineFeeds && c == '\n')) {
        sb.append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else {
        sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
            .append(HEX[c & 0xF]);
      }
    }
    return sb.toString();
  }
}
