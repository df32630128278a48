package dev.tokenstore.oauth;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What memory knows of stored records: one {@link Entry} per record id, the query keys (aliases) that resolved
 * to it, the token it hands out with its refresh time precomputed, and refresh results the store failed to save.
 * The hot path is one lookup in {@link #aliases()} and a read of {@link Entry#snap}. Reads by id go through here
 * so that they are counted. Thread-safe (concurrent maps, volatile fields).
 */
final class HandOutCache {
  private static final int MAX_ALIASES = 100_000;

  /** What memory knows of one stored record. Thread-safe (volatile fields). */
  static final class Entry {
    final String id;
    volatile @Nullable Snapshot snap;
    /** Until then (epoch ms) no early refresh is tried while the access token is valid. */
    volatile long quietUntil;
    /** Until then (epoch ms) the server is not called because it throttled us. */
    volatile long throttledUntil;
    /** A refresh result the store failed to save; saved again before the store is next relied on. */
    volatile @Nullable OAuthToken unsaved;

    Entry(String id) {
      this.id = id;
    }
  }

  /**
   * A token with its refresh time ({@link RefreshTiming#refreshAt}) and expiry precomputed (epoch ms;
   * Long.MAX_VALUE for "never"). Immutable; thread-safe.
   */
  static final class Snapshot {
    final OAuthToken token;
    final long refreshAt;
    final long expiresAt;
    /**
     * Until then (epoch ms) the hot path hands {@link #token} out without reading the store: {@link #refreshAt},
     * or sooner when the manager rechecks the store ({@code TokenManager.Builder#recheckStoreAfter}).
     */
    final long handOutUntil;

    Snapshot(OAuthToken token, long refreshAt, long expiresAt, long handOutUntil) {
      this.token = token;
      this.refreshAt = refreshAt;
      this.expiresAt = expiresAt;
      this.handOutUntil = handOutUntil;
    }
  }

  private final TokenStore store;
  private final Counters counters;
  private final long windowMillis;
  private final LongSupplier clock;
  private final long recheckMillis;
  /** Query key to the entry of the stored record it resolved to: the hot path's only lookup. */
  private final ConcurrentHashMap<TokenKey, Entry> aliases = new ConcurrentHashMap<>();
  /** Stored record id to its entry. */
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  /**
   * @param recheckMillis how long a published token is handed out before the store is read again
   *     ({@link Long#MAX_VALUE}: until its refresh time)
   */
  HandOutCache(TokenStore store, Counters counters, long windowMillis, LongSupplier clock, long recheckMillis) {
    this.store = store;
    this.counters = counters;
    this.windowMillis = windowMillis;
    this.clock = clock;
    this.recheckMillis = recheckMillis;
  }

  /** The alias map itself, for the hot path to hold directly (no indirection per call). */
  ConcurrentHashMap<TokenKey, Entry> aliases() {
    return aliases;
  }

  Entry entryFor(String id) {
    return entries.computeIfAbsent(id, Entry::new);
  }

  /** Makes {@code key} a name of {@code entry}'s record (the alias map is cleared when it grows too large). */
  void remember(TokenKey key, Entry entry) {
    if (key instanceof TokenKey.None) {
      return;
    }
    if (aliases.size() >= MAX_ALIASES) {
      aliases.clear();
    }
    aliases.put(key, entry);
  }

  void forget(Entry e) {
    entries.remove(e.id, e);
    aliases.values().removeIf(x -> x == e);
  }

  /** Forgets the record {@code id}, if memory knows it. */
  void forget(String id) {
    Entry e = entries.get(id);
    if (e != null) {
      forget(e);
    }
  }

  /**
   * Drops what memory hands out for the record {@code id} (its token and the keys that led to it), so that the
   * next call reads the store; a refresh result still unsaved is kept and saved as before.
   */
  void invalidate(String id) {
    Entry e = entries.get(id);
    if (e != null) {
      e.snap = null;
      aliases.values().removeIf(x -> x == e);
    }
  }

  void forgetAlias(TokenKey key) {
    aliases.remove(key);
  }

  /**
   * Makes {@code t} what memory hands out for {@code entry}, unless memory already holds a token for the same
   * refresh token that lives longer ({@code t} is then a stale read).
   */
  Snapshot publish(Entry entry, OAuthToken t) {
    Snapshot s = snapshot(t);
    Snapshot cur = entry.snap;
    if (cur == null || s.expiresAt >= cur.expiresAt || !Objects.equals(cur.token.refreshToken(), t.refreshToken())) {
      entry.snap = s;
    }
    return s;
  }

  /**
   * Makes {@code t}, the result this manager's refresh just received and saved, what memory hands out, even if
   * it expires sooner than the token it replaces: the server has just issued it.
   */
  void publishFresh(Entry entry, OAuthToken t) {
    entry.snap = snapshot(t);
  }

  /** {@code t} with its expiry and its refresh time ({@link RefreshTiming}, computed once here) precomputed. */
  private Snapshot snapshot(OAuthToken t) {
    long expires = t.accessToken() == null ? Long.MIN_VALUE
        : t.expiresAt() == null ? Long.MAX_VALUE : t.expiresAt().toEpochMilli();
    long refreshAt = RefreshTiming.refreshAt(t, windowMillis);
    long handOutUntil = refreshAt;
    if (recheckMillis != Long.MAX_VALUE) {
      long now = clock.getAsLong();
      handOutUntil = Math.min(refreshAt, now > Long.MAX_VALUE - recheckMillis ? Long.MAX_VALUE : now + recheckMillis);
    }
    return new Snapshot(t, refreshAt, expires, handOutUntil);
  }

  /** The stored record {@code id} (a counted store read), or null. */
  @Nullable OAuthToken readById(String id) {
    counters.storeReads.increment();
    return store.findTokenById(id).orElse(null);
  }

  /**
   * Saves a refresh result that a failed save left in memory; leaves it pending if the store still fails.
   *
   * @return the store's failure when the result is still unsaved, else null (saved now, or nothing pending)
   */
  @Nullable StoreException savePending(Entry e) {
    OAuthToken pending = e.unsaved;
    if (pending == null) {
      return null;
    }
    try {
      OAuthToken saved = store.saveToken(pending);
      if (e.unsaved == pending) {
        e.unsaved = null;
      }
      publish(e, saved);
      Events.LOG.log(System.Logger.Level.INFO, () -> "Saved the refreshed token id " + e.id + ", which a failed "
          + "save had left in memory.");
      return null;
    } catch (StoreException ex) {
      Events.LOG.log(System.Logger.Level.WARNING, () -> "The store still cannot save the refreshed token id " + e.id
          + "; it stays in memory: " + ex.getMessage());
      return ex;
    }
  }

  /** The entries whose newest tokens memory holds unsaved ({@link Entry#unsaved}), in id order. */
  List<Entry> unsaved() {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.unsaved != null) {
        out.add(e);
      }
    }
    out.sort(Comparator.comparing((Entry e) -> e.id, TokenRules.ID_ORDER));
    return out;
  }
}
