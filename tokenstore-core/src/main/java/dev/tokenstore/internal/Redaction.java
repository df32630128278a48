package dev.tokenstore.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Turns secrets into short fingerprints for messages. Thread-safe. */
public final class Redaction {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Redaction() {}

  /** {@code <redacted:xxxxxx>}: six hex digits of the value's SHA-256, enough to tell two values apart. */
  public static String redact(String secret) {
    return "<redacted:" + fingerprint(secret) + ">";
  }

  /** Six hex digits of SHA-256; 24 bits cannot be reversed into a token of any real length. */
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

  /** A user name or other identifier shortened for messages: kept as is, but at most 64 characters. */
  public static String shorten(String value) {
    return value.length() <= 64 ? value : value.substring(0, 61) + "...";
  }
}
