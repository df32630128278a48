package dev.tokenstore.server.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenEventListener;
import dev.tokenstore.spi.EntryTable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What the token managers did, for the console: refreshes, exchanges and their failures, from the managers'
 * {@link TokenEvent}s (never a secret: an event names a token by id and user name, and a failure by its error
 * code). Kept in the store's {@link EntryTable} beside the {@link History}, so that every instance on the store
 * shows them, in two bounded kinds:
 * <ul>
 *   <li>{@value #TOKENS_KIND}: one entry per token (named by its id) with its last refresh, last failure and its
 *       newest {@value #EVENTS_PER_TOKEN} events; an entry not written for {@value #KEEP_TOKEN_DAYS} days is
 *       removed, and a revoked token's at once;
 *   <li>{@value #HOURS_KIND}: per hour and instance, how many refreshes, exchanges and failures (the dashboard's
 *       chart); kept {@value #KEEP_HOURS} hours.
 * </ul>
 * A busy server (100,000 refreshes an hour) must not write on the refreshing thread: {@link #onEvent} only puts the
 * event in a bounded queue (events beyond {@value #QUEUE} waiting are counted and dropped), and a background
 * thread writes them every {@value #FLUSH_SECONDS} s, one entry per token touched, whatever the number of its
 * events. The console's pages {@link #flush()} first, so this instance's events are shown at once. A token's entry
 * is read, extended and written again: two instances writing the same token's entry in the same moment may lose
 * the other's events (the counts per hour are per instance and never lost this way). A store failure is logged,
 * never thrown. Thread-safe.
 */
public final class Activity implements TokenEventListener, AutoCloseable {
  /** The kind of the per-token entries. */
  public static final String TOKENS_KIND = "console.token-activity";
  /** The kind of the per-hour counts. */
  public static final String HOURS_KIND = "console.activity-hours";
  static final int EVENTS_PER_TOKEN = 10;
  static final int QUEUE = 100_000;
  static final int KEEP_HOURS = 48;
  static final int KEEP_TOKEN_DAYS = 30;
  static final int FLUSH_SECONDS = 2;

  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EntryTable entries;
  private final Clock clock;
  private final String instance;
  private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final ScheduledExecutorService flusher;
  private final Object flushing = new Object();
  /** This instance's counts per hour (epoch hour to refreshed, exchanged, failed); guarded by flushing. */
  private final TreeMap<Long, long[]> hours = new TreeMap<>();
  private long lastPrune; // epoch ms; guarded by flushing

  /** One event as kept: what, when, which token, and a detail without secrets. */
  private record Event(Instant at, String action, @Nullable String tokenId, @Nullable String user,
      String environment, @Nullable String detail, boolean failure, boolean forget) {}

  /** What the console shows of one token. */
  public record TokenActivity(@Nullable Instant lastRefresh, int recentFailures, List<History.Entry> events) {
    static final TokenActivity NONE = new TokenActivity(null, 0, List.of());

    /** The last refresh, e.g. {@code 2026-12-06 18:36:58Z}, or a dash. */
    public String lastRefreshText() {
      return lastRefresh == null ? "—" : lastRefresh.truncatedTo(ChronoUnit.SECONDS).toString().replace('T', ' ');
    }
  }

  /** The counts of one hour. */
  public record Hour(Instant start, long refreshed, long exchanged, long failed) {}

  public Activity(EntryTable entries, Clock clock) {
    this.entries = entries;
    this.clock = clock;
    byte[] id = new byte[4];
    new SecureRandom().nextBytes(id);
    this.instance = HexFormat.of().formatHex(id);
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tokenstore-console-activity");
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flushQuietly, FLUSH_SECONDS, FLUSH_SECONDS, TimeUnit.SECONDS);
  }

  /** Queues what a manager did (cheap: on the refreshing thread). */
  @Override
  public void onEvent(TokenEvent e) {
    String action;
    boolean failure = false;
    switch (e.type()) {
      case REFRESH_SUCCEEDED -> action = "refreshed";
      case EXCHANGED -> action = "exchanged";
      case REFRESH_FAILED -> {
        action = "refresh failed";
        failure = true;
      }
      case EXCHANGE_FAILED -> {
        action = "exchange failed";
        failure = true;
      }
      case SAVE_FAILED -> {
        action = "save failed";
        failure = true;
      }
      case REVOKED, CLEANUP_DELETED -> {
        if (e.tokenId() != null && !queue.offer(new Event(clock.instant(), "forget", e.tokenId(), null,
            e.environment(), null, false, true))) {
          dropped.incrementAndGet();
        }
        return;
      }
      default -> {
        return;
      }
    }
    if (!queue.offer(new Event(clock.instant(), action, e.tokenId(), e.userName(), e.environment(),
        failure ? detail(e.error()) : null, failure, false))) {
      dropped.incrementAndGet();
    }
  }

  /** A failure as its error code only: messages are not shown (they name servers, and could hold anything). */
  private static @Nullable String detail(@Nullable Throwable error) {
    if (error instanceof TokenstoreException t) {
      return String.valueOf(t.code());
    }
    return error == null ? null : error.getClass().getSimpleName();
  }

  /** Forgets what is kept of the token {@code id} (deleted from the console). */
  public void forget(String id) {
    if (!queue.offer(new Event(clock.instant(), "forget", id, null, "", null, false, true))) {
      dropped.incrementAndGet();
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "The console's record of refreshes could not be written (" + e.getClass().getSimpleName()
          + ")");
    }
  }

  /** Writes the queued events now. */
  public void flush() {
    synchronized (flushing) {
      List<Event> batch = new ArrayList<>();
      queue.drainTo(batch);
      long lost = dropped.getAndSet(0);
      if (lost > 0) {
        LOG.log(Level.WARNING, "The console's record of refreshes dropped " + lost + " events (more than " + QUEUE
            + " waiting to be written).");
      }
      Map<String, List<Event>> byToken = new LinkedHashMap<>();
      List<Long> touched = new ArrayList<>();
      for (Event e : batch) {
        if (e.tokenId() != null) {
          byToken.computeIfAbsent(e.tokenId(), k -> new ArrayList<>()).add(e);
        }
        if (e.forget()) {
          continue;
        }
        long hour = e.at().getEpochSecond() / 3600;
        long[] c = hours.computeIfAbsent(hour, h -> new long[3]);
        c[e.failure() ? 2 : e.action().equals("exchanged") ? 1 : 0]++;
        if (!touched.contains(hour)) {
          touched.add(hour);
        }
      }
      try {
        for (Map.Entry<String, List<Event>> t : byToken.entrySet()) {
          writeToken(t.getKey(), t.getValue());
        }
        for (long hour : touched) {
          long[] c = hours.getOrDefault(hour, new long[3]);
          entries.put(HOURS_KIND, hourName(hour) + "/" + instance, JSON.writeValueAsString(JSON.createObjectNode()
              .put("refreshed", c[0]).put("exchanged", c[1]).put("failed", c[2])));
        }
        long now = clock.millis();
        long oldest = now / 3_600_000 - KEEP_HOURS;
        hours.headMap(oldest).clear();
        if (now - lastPrune > Duration.ofHours(1).toMillis()) {
          lastPrune = now;
          prune(now);
        }
      } catch (IOException | TokenstoreException e) {
        LOG.log(Level.WARNING, "The console's record of refreshes could not be written ("
            + e.getClass().getSimpleName() + ")");
      }
    }
  }

  private void writeToken(String id, List<Event> events) throws IOException {
    if (id.length() > 200 || id.isEmpty()) {
      return;
    }
    ObjectNode n = null;
    for (Event e : events) {
      if (e.forget()) {
        entries.remove(TOKENS_KIND, id);
        n = JSON.createObjectNode();
        n.putArray("events");
        continue;
      }
      if (n == null) {
        n = read(id);
      }
      ArrayNode list = (ArrayNode) n.get("events");
      ObjectNode ev = JSON.createObjectNode().put("at", e.at().toString()).put("action", e.action())
          .put("user", e.user()).put("environment", e.environment()).put("detail", e.detail());
      list.insert(0, ev);
      while (list.size() > EVENTS_PER_TOKEN) {
        list.remove(list.size() - 1);
      }
      if (e.action().equals("refreshed")) {
        n.put("last_refresh", e.at().toString());
      }
      n.put("written", e.at().toString());
    }
    if (n != null && n.get("events").size() > 0) {
      entries.put(TOKENS_KIND, id, JSON.writeValueAsString(n));
    }
  }

  private ObjectNode read(String id) {
    String v = entries.get(TOKENS_KIND, id).orElse(null);
    if (v != null) {
      try {
        JsonNode n = JSON.readTree(v);
        if (n instanceof ObjectNode o && o.get("events") instanceof ArrayNode) {
          return o;
        }
      } catch (IOException e) {
        // a damaged entry is started again
      }
    }
    ObjectNode n = JSON.createObjectNode();
    n.putArray("events");
    return n;
  }

  /** Removes hour counts older than {@value #KEEP_HOURS} h and token entries not written for 30 days. */
  private void prune(long now) {
    String oldestHour = hourName(now / 3_600_000 - KEEP_HOURS);
    for (String name : entries.list(HOURS_KIND).keySet()) {
      if (name.compareTo(oldestHour) < 0) {
        entries.remove(HOURS_KIND, name);
      }
    }
    Instant before = Instant.ofEpochMilli(now).minus(Duration.ofDays(KEEP_TOKEN_DAYS));
    for (Map.Entry<String, String> e : entries.list(TOKENS_KIND).entrySet()) {
      try {
        Instant written = Instant.parse(JSON.readTree(e.getValue()).path("written").asText(""));
        if (written.isBefore(before)) {
          entries.remove(TOKENS_KIND, e.getKey());
        }
      } catch (IOException | RuntimeException ex) {
        entries.remove(TOKENS_KIND, e.getKey());
      }
    }
  }

  /** The hour as a sortable name, e.g. {@code 2026-12-06T18}. */
  private static String hourName(long epochHour) {
    return Instant.ofEpochSecond(epochHour * 3600).toString().substring(0, 13);
  }

  /** What is kept of each token of {@code ids} (one entry read per token), after a flush. */
  public Map<String, TokenActivity> of(List<String> ids) {
    flushQuietly();
    Instant dayAgo = clock.instant().minus(Duration.ofDays(1));
    Map<String, TokenActivity> out = new LinkedHashMap<>();
    for (String id : ids) {
      try {
        out.put(id, parse(id, entries.get(TOKENS_KIND, id).orElse(null), dayAgo));
      } catch (TokenstoreException e) {
        LOG.log(Level.WARNING, "The console's record of refreshes could not be read (" + e.code() + ")");
        out.put(id, TokenActivity.NONE);
      }
    }
    return out;
  }

  private static TokenActivity parse(String id, @Nullable String value, Instant dayAgo) {
    if (value == null) {
      return TokenActivity.NONE;
    }
    try {
      JsonNode n = JSON.readTree(value);
      List<History.Entry> events = new ArrayList<>();
      int failures = 0;
      for (JsonNode e : n.path("events")) {
        Instant at = Instant.parse(e.path("at").asText());
        String action = e.path("action").asText("?");
        if (action.endsWith("failed") && at.isAfter(dayAgo)) {
          failures++;
        }
        events.add(new History.Entry(at, "token manager (" + e.path("environment").asText("?") + ")", action, id,
            text(e, "user"), text(e, "detail")));
      }
      String last = text(n, "last_refresh");
      return new TokenActivity(last == null ? null : Instant.parse(last), failures, events);
    } catch (IOException | RuntimeException e) {
      return TokenActivity.NONE;
    }
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** The counts of the last {@code count} hours (this one last), summed over the instances, after a flush. */
  public List<Hour> lastHours(int count) {
    flushQuietly();
    long current = clock.millis() / 3_600_000;
    long[][] sums = new long[count][3];
    try {
      for (Map.Entry<String, String> e : entries.list(HOURS_KIND).entrySet()) {
        String name = e.getKey();
        int slash = name.indexOf('/');
        if (slash < 0) {
          continue;
        }
        long hour;
        try {
          hour = Instant.parse(name.substring(0, slash) + ":00:00Z").getEpochSecond() / 3600;
        } catch (RuntimeException ex) {
          continue;
        }
        int i = (int) (hour - (current - count + 1));
        if (i < 0 || i >= count) {
          continue;
        }
        JsonNode n = JSON.readTree(e.getValue());
        sums[i][0] += n.path("refreshed").asLong(0);
        sums[i][1] += n.path("exchanged").asLong(0);
        sums[i][2] += n.path("failed").asLong(0);
      }
    } catch (IOException | TokenstoreException e) {
      LOG.log(Level.WARNING, "The console's record of refreshes could not be read (" + e.getClass().getSimpleName()
          + ")");
    }
    List<Hour> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new Hour(Instant.ofEpochSecond((current - count + 1 + i) * 3600), sums[i][0], sums[i][1],
          sums[i][2]));
    }
    return out;
  }

  /** Stops the background writer and writes what is queued. */
  @Override
  public void close() {
    flusher.shutdown();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushQuietly();
  }
}
