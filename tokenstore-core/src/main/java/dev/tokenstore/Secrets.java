package dev.tokenstore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How tokenstore shows secrets and identifiers in {@code toString()}, log lines, exception messages and CLI
 * output: a secret becomes {@code <redacted:3fa9c1>}, six hex digits of its SHA-256, enough to tell two values
 * apart and to match a value one holds against a log line, never enough to recover it. Custom stores, decorators
 * and applications use it to print tokens the same way.
 *
 * <p>Static methods only; thread-safe.
 */
public final class Secrets {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int SHORT = 64;

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
