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
import java.util.Map;
import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/**
 * Who did what, when: the console's and the portal's actions, kept in the store's {@link EntryTable} (kind
 * {@value #KIND}) so that every instance on the store shows the same history. An entry's name is its time in
 * microseconds (zero-padded, so names sort by time) and a random suffix; its value a small JSON object without any
 * secret. The newest {@value #KEEP} entries are kept. Thread-safe.
 */
public final class History {
  /** The entry kind. */
  public static final String KIND = "console.history";
  static final int KEEP = 2000;

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
    Instant now = clock.instant();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    byte[] suffix = new byte[4];
    RANDOM.nextBytes(suffix);
    String name = String.format(java.util.Locale.ROOT, "%019d", micros) + "-" + HexFormat.of().formatHex(suffix);
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
    SortedMap<String, String> all = entries.list(KIND);
    int extra = all.size() - KEEP;
    for (Map.Entry<String, String> e : all.entrySet()) {
      if (extra-- <= 0) {
        break;
      }
      entries.remove(KIND, e.getKey());
    }
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
