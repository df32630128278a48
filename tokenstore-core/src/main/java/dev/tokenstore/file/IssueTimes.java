package dev.tokenstore.file;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.internal.TokenTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The sidecar file {@code <name>.issued} of a {@link FileTokenStore}: the {@link OAuthToken#issuedAt() issue
 * times} of its tokens, which Zoho's ten CSV columns have no place for (the token file stays exactly as Zoho's
 * SDKs read and write it). One line per token that has one: {@code expiry_time,issued_at,id} (epoch
 * milliseconds; the id last, so that it may hold commas), after a comment line. An entry applies only to the
 * record with that id while the record still has that expiry: when another program (Zoho's SDK) rewrites the
 * token, or the sidecar is stale, missing or damaged, the record simply has no issue time, which is harmless
 * (a token manager then uses its configured refresh window). Written atomically like the token file (temp file
 * 0600, fsync, rename), before it, under the same lock, with the entries of the file it is about to replace
 * as well ({@link #format(List, List)}), so that a writer killed between the two renames costs no record its
 * issue time.
 *
 * <p>Stateless and thread-safe.
 */
final class IssueTimes {
  private static final String HEADER = "# tokenstore: issue times of the access tokens in the token file "
      + "(expiry_time,issued_at,id; epoch ms)\n";

  private IssueTimes() {}

  /** The sidecar of the token file {@code tokenFile}. */
  static Path sidecarOf(Path tokenFile) {
    return tokenFile.resolveSibling(tokenFile.getFileName() + ".issued");
  }

  /** Whether any of {@code tokens} has an issue time the sidecar can keep. */
  static boolean any(List<OAuthToken> tokens) {
    for (OAuthToken t : tokens) {
      if (keepable(t)) {
        return true;
      }
    }
    return false;
  }

  /** The sidecar's content for {@code tokens}. */
  static byte[] format(List<OAuthToken> tokens) {
    return format(tokens, List.of());
  }

  /**
   * The sidecar's content for {@code tokens}, written before the token file that replaces one holding
   * {@code replaced}: the entries of {@code tokens}, then those of {@code replaced} that cannot be mistaken for
   * one of them (an entry applies only to the record with its id and expiry, so the old file's records keep their
   * issue times if the new token file is never renamed into place). An old entry with the id and expiry of a new
   * one is left out: the new one wins.
   */
  static byte[] format(List<OAuthToken> tokens, List<OAuthToken> replaced) {
    StringBuilder sb = new StringBuilder(HEADER);
    Set<String> written = new HashSet<>();
    for (OAuthToken t : tokens) {
      if (keepable(t)) {
        String entry = entry(t);
        written.add(key(t));
        sb.append(entry);
      }
    }
    for (OAuthToken t : replaced) {
      if (keepable(t) && written.add(key(t))) {
        sb.append(entry(t));
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String entry(OAuthToken t) {
    return millis(t.expiresAt()) + "," + millis(t.issuedAt()) + "," + t.id() + "\n";
  }

  /** What an entry applies to: the record with this id while it has this expiry. */
  private static String key(OAuthToken t) {
    return millis(t.expiresAt()) + "," + t.id();
  }

  /**
   * Gives the records of {@code table} the issue times in {@code sidecar} (its bytes, or null when there is
   * none) whose id and expiry match; lines that do not parse are skipped.
   */
  static void apply(TokenTable table, byte @Nullable [] sidecar) {
    if (sidecar == null) {
      return;
    }
    for (String line : new String(sidecar, StandardCharsets.UTF_8).split("\n", -1)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(",", 3);
      if (parts.length != 3) {
        continue;
      }
      long expiry;
      long issued;
      try {
        expiry = Long.parseLong(parts[0]);
        issued = Long.parseLong(parts[1]);
      } catch (NumberFormatException e) {
        continue;
      }
      OAuthToken t = table.get(parts[2]).orElse(null);
      Instant expiresAt = t == null ? null : t.expiresAt();
      if (t != null && expiresAt != null && expiresAt.toEpochMilli() == expiry) {
        table.put(t.toBuilder().issuedAt(Instant.ofEpochMilli(issued)).build());
      }
    }
  }

  /** Whether the sidecar can keep {@code t}'s issue time: it has one, an expiry, and a one-line id. */
  private static boolean keepable(OAuthToken t) {
    String id = t.id();
    return t.issuedAt() != null && t.expiresAt() != null && id != null && id.indexOf('\n') < 0
        && id.indexOf('\r') < 0;
  }

  private static long millis(@Nullable Instant i) {
    return i == null ? 0 : i.toEpochMilli();
  }
}
