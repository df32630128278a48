package dev.tokenstore.memory;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.internal.EntryMap;
import dev.tokenstore.internal.TokenTable;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.spi.EntryTable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in memory, indexed for every lookup (the seed's in-memory and list stores). Opened by
 * {@code TokenStores.open("memory:")} or {@link #create()}; tokens are gone when it is closed.
 *
 * <p>It offers an {@link EntryTable} ({@code capability(EntryTable.class)}), kept apart from the tokens and gone
 * with them when the store is closed. It pages its records ({@link TokenPages}) from its id-ordered index: a page
 * reads from the first record after the last one shown.
 *
 * <p>Thread-safe: reads share a lock, writes take it alone; every operation is atomic.
 */
public final class MemoryTokenStore implements TokenStore, TokenPages {
  private final TokenTable table = new TokenTable();
  private final EntryMap entries = new EntryMap(); // guarded by lock
  private final EntryTable entryTable = new Entries();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile boolean closed;

  private MemoryTokenStore() {}

  /** A new, empty store. */
  public static MemoryTokenStore create() {
    return new MemoryTokenStore();
  }

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    Objects.requireNonNull(query, "query");
    lock.readLock().lock();
    try {
      checkOpen();
      return table.findOne(query);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    lock.writeLock().lock();
    try {
      checkOpen();
      return table.save(token);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public boolean deleteToken(String id) {
    Objects.requireNonNull(id, "id");
    lock.writeLock().lock();
    try {
      checkOpen();
      return table.remove(id);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public List<OAuthToken> getTokens() {
    lock.readLock().lock();
    try {
      checkOpen();
      return table.all();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void deleteTokens() {
    lock.writeLock().lock();
    try {
      checkOpen();
      table.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    Objects.requireNonNull(id, "id");
    lock.readLock().lock();
    try {
      checkOpen();
      return table.get(id);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
    TokenPages.checkLimit(limit);
    lock.readLock().lock();
    try {
      checkOpen();
      return TokenPages.pageOf(table.after(after), filter, after, limit, now);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
    lock.readLock().lock();
    try {
      checkOpen();
      return TokenPages.countOf(table.inOrder(), filter, now);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@link EntryTable}: the store's entries (a view; not this store itself); otherwise as the default. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type == EntryTable.class) {
      return Optional.of(type.cast(entryTable));
    }
    return TokenStore.super.capability(type);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      table.clear();
      entries.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "MemoryTokenStore{closed=" + closed + "}";
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(ErrorCode.STORE_CLOSED, "This memory store is closed; open a new one.");
    }
  }

  /** The entry table of this store: {@link #entries} under the store's lock. Thread-safe. */
  private final class Entries implements EntryTable {
    @Override
    public Optional<String> get(String kind, String name) {
      EntryTable.check(kind, name, null);
      lock.readLock().lock();
      try {
        checkOpen();
        return entries.get(kind, name);
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public boolean insert(String kind, String name, String value) {
      EntryTable.check(kind, name, Objects.requireNonNull(value, "value"));
      lock.writeLock().lock();
      try {
        checkOpen();
        return entries.insert(kind, name, value);
      } finally {
        lock.writeLock().unlock();
      }
    }

    @Override
    public void put(String kind, String name, String value) {
      EntryTable.check(kind, name, Objects.requireNonNull(value, "value"));
      lock.writeLock().lock();
      try {
        checkOpen();
        entries.put(kind, name, value);
      } finally {
        lock.writeLock().unlock();
      }
    }

    @Override
    public boolean remove(String kind, String name) {
      EntryTable.check(kind, name, null);
      lock.writeLock().lock();
      try {
        checkOpen();
        return entries.remove(kind, name);
      } finally {
        lock.writeLock().unlock();
      }
    }

    @Override
    public SortedMap<String, String> list(String kind) {
      EntryTable.check(kind, "-", null);
      lock.readLock().lock();
      try {
        checkOpen();
        return entries.list(kind);
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public SortedSet<String> kinds() {
      lock.readLock().lock();
      try {
        checkOpen();
        return entries.kinds();
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public String toString() {
      return "EntryTable of " + MemoryTokenStore.this;
    }
  }
}
