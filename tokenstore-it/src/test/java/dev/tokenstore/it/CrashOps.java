package dev.tokenstore.it;

import dev.tokenstore.OAuthToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The values {@link CrashWriterChild} writes, a function of (round, operation), so that the parent of
 * {@link CrashKillTest} knows every value without a secret crossing a pipe or a report. Every secret (client
 * secret, refresh and access token) is {@code <cs|rt|at>-SECRET-K9-r<round>o<op>-<40 hex>}: the marker
 * {@link #SECRET_MARKER} lets the test find any copy of any of them in any file.
 */
final class CrashOps {
  /** Part of every secret the crash test writes, and of no other string it writes. */
  static final String SECRET_MARKER = "SECRET-K9-";
  /** A whole secret of the crash test. */
  static final Pattern SECRET = Pattern.compile("(?:cs|rt|at)-SECRET-K9-r-?\\d+o-?\\d+-[0-9a-f]{40}");
  static final int USERS = 10;
  static final String CLIENT_ID = "1000.CRASH";
  private static final String USER_PREFIX = "crash-u";
  private static final String USER_SUFFIX = "@example.com";
  private static final long BASE_MILLIS = Instant.parse("2030-01-01T00:00:00Z").toEpochMilli();

  private CrashOps() {}

  static String user(int index) {
    return USER_PREFIX + index + USER_SUFFIX;
  }

  /** The index of a crash user's name, or -1 for any other name. */
  static int userIndex(String userName) {
    if (userName == null || !userName.startsWith(USER_PREFIX) || !userName.endsWith(USER_SUFFIX)) {
      return -1;
    }
    try {
      return Integer.parseInt(userName.substring(USER_PREFIX.length(), userName.length() - USER_SUFFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Every field of user {@code user}, written by operation {@code op} of round {@code round}; no id. */
  static OAuthToken save(int round, int op, int user) {
    Instant expiry = expiry(round, op);
    return OAuthToken.builder()
        .userName(user(user))
        .clientId(CLIENT_ID)
        .clientSecret(secret("cs", round, op))
        .refreshToken(secret("rt", round, op))
        .accessToken(secret("at", round, op))
        .expiresAt(expiry)
        .issuedAt(expiry.minus(Duration.ofHours(1)))
        .redirectUrl("https://app.example.com/cb")
        .apiDomain("https://www.zohoapis.eu")
        .build();
  }

  /** A refresh result for record {@code id}: a new access token, expiry and issue time. */
  static OAuthToken refresh(int round, int op, String id) {
    Instant expiry = expiry(round, op);
    return OAuthToken.builder()
        .id(id)
        .accessToken(secret("at", round, op))
        .expiresAt(expiry)
        .issuedAt(expiry.minus(Duration.ofMinutes(30)))
        .build();
  }

  /** A secret with the marker, unique to (kind, round, op). */
  static String secret(String kind, int round, int op) {
    String head = kind + "-" + SECRET_MARKER + "r" + round + "o" + op;
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(head.getBytes(StandardCharsets.UTF_8));
      return head + "-" + HexFormat.of().formatHex(h, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant expiry(int round, int op) {
    // Distinct for every (round, op), millisecond precision (as every store keeps it).
    return Instant.ofEpochMilli(BASE_MILLIS + round * 10_000_000L + (op + 1) * 1000L + round % 997);
  }
}
