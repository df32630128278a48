package dev.tokenstore.server.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.EntryTable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/**
 * Who did what, when: the console's and the portal's actions, kept in the store's {@link EntryTable} (kind
 * {@value #KIND}) so that every instance on the store shows the same history. An entry's name is its time in
 * microseconds (zero-padded, so names sort by time) and a random suffix; its value a small JSON object without any
 * secret. The newest {@value #KEEP} entries are kept; of those recorded for a request nobody signed in to (a wrong
 * password, a failed portal connection: anyone can make them, as fast as they like), only the newest
 * {@value #KEEP_UNSIGNED}, so that they never push the admin's actions out. Thread-safe.
 */
public final class History {
  /** The entry kind. */
  public static final String KIND = "console.history";
  static final int KEEP = 2000;
  static final int KEEP_UNSIGNED = 200;
  /** In the name of an entry {@link #addUnsigned recorded for a request nobody signed in to}, after the time. */
  private static final String UNSIGNED = "-u";

  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final EntryTable entries;
  private final Clock clock;
  private int writes;

  /** One action. */
  public record Entry(Instant at, String actor, String action, @Nullable String tokenId, @Nullable String user,
      @Nullable String detail) {
    /** The time to the second, e.g. {@code 2026-12-06 18:36:58Z}. */
    public String when() {
      return at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace('T', ' ');
    }
  }

  public History(EntryTable entries, Clock clock) {
    this.entries = entries;
    this.clock = clock;
  }

  /** Records an action; a store failure is logged, never thrown (the action itself has happened). */
  public void add(String actor, String action, @Nullable String tokenId, @Nullable String user,
      @Nullable String detail) {
    add(actor, action, tokenId, user, detail, "-");
  }

  /** Records what a request nobody signed in to caused (a refused sign-in, a failed connection). */
  public void addUnsigned(String actor, String action, @Nullable String detail) {
    add(actor, action, null, null, detail, UNSIGNED);
  }

  private void add(String actor, String action, @Nullable String tokenId, @Nullable String user,
      @Nullable String detail, String kind) {
    Instant now = clock.instant();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    byte[] suffix = new byte[4];
    RANDOM.nextBytes(suffix);
    String name = String.format(java.util.Locale.ROOT, "%019d", micros) + kind + HexFormat.of().formatHex(suffix);
    ObjectNode n = JSON.createObjectNode().put("at", now.toString()).put("actor", actor).put("action", action);
    n.put("token_id", tokenId).put("user", user).put("detail", detail == null ? null : Secrets.shorten(detail));
    try {
      entries.put(KIND, name, JSON.writeValueAsString(n));
      boolean prune;
      synchronized (this) {
        prune = ++writes % 100 == 0;
      }
      if (prune) {
        prune();
      }
    } catch (IOException | TokenstoreException e) {
      LOG.log(Level.WARNING, "The console history could not be written (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The newest {@code limit} entries (of {@code tokenId} only, unless null), newest first. */
  public List<Entry> recent(int limit, @Nullable String tokenId) {
    SortedMap<String, String> all = entries.list(KIND);
    List<String> values = new ArrayList<>(all.values());
    List<Entry> out = new ArrayList<>();
    for (int i = values.size() - 1; i >= 0 && out.size() < limit; i--) {
      Entry e = parse(values.get(i));
      if (e != null && (tokenId == null || tokenId.equals(e.tokenId()))) {
        out.add(e);
      }
    }
    return out;
  }

  private void prune() {
    List<String> names = new ArrayList<>(entries.list(KIND).keySet()); // oldest first
    List<String> unsigned = names.stream().filter(History::isUnsigned).toList();
    for (String name : unsigned.subList(0, Math.max(0, unsigned.size() - KEEP_UNSIGNED))) {
      entries.remove(KIND, name);
      names.remove(name);
    }
    for (String name : names.subList(0, Math.max(0, names.size() - KEEP))) {
      entries.remove(KIND, name);
    }
  }

  private static boolean isUnsigned(String name) {
    return name.startsWith(UNSIGNED, 19);
  }

  private static @Nullable Entry parse(String value) {
    try {
      JsonNode n = JSON.readTree(value);
      return new Entry(Instant.parse(n.path("at").asText()), n.path("actor").asText("?"),
          n.path("action").asText("?"), text(n, "token_id"), text(n, "user"), text(n, "detail"));
    } catch (IOException | RuntimeException e) {
      return null; // a damaged entry is skipped
    }
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
