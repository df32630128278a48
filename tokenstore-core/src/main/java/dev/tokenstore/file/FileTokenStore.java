package dev.tokenstore.file;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.internal.EntryMap;
import dev.tokenstore.internal.TokenTable;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.TokenRules;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in a CSV file in the format of Zoho's file store ({@code sdk_tokens.txt}), opened by
 * {@code TokenStores.open("file:PATH")} or {@link #open(Path)}.
 *
 * <h2>Format</h2>
 * A header line with the ten columns {@code id,user_name,client_id,client_secret,refresh_token,access_token,
 * grant_token,expiry_time,redirect_url,api_domain}, then one line per token; comma separated, UTF-8; a field is
 * quoted only when it holds a quote, comma, CR or LF (quotes doubled); an empty field is {@code null};
 * {@code expiry_time} is epoch milliseconds. Files written by Zoho's Java SDK ({@code \n}) and Python SDK
 * ({@code \r\n}, ninth column named {@code redirect_uri}) and old nine-column files (no {@code api_domain}) open
 * as they are, and Zoho's SDKs read what this store writes. A rewrite keeps the file's line separator, header
 * names and byte order mark, and upgrades a nine-column file to ten columns as Zoho does. A file this store
 * creates gets the Java SDK's form ({@code \n}, {@code redirect_url}). Rows with one field or fewer (blank
 * lines) are skipped, as Zoho's SDKs do, and are not written back.
 *
 * <p>{@link OAuthToken#issuedAt()}, which Zoho's columns have no place for, is kept in the sidecar file
 * {@code <name>.issued} (0600, replaced atomically before the token file, under the same lock): one line
 * {@code expiry_time,issued_at,id} per token that has one, and, until the next write, for the tokens of the file
 * it replaces (so that a writer killed between the two renames loses no issue time). An entry counts only while the record with that id
 * still has that expiry, so a token rewritten by Zoho's SDKs, or a stale, missing or damaged sidecar, just
 * leaves the record without an issue time (a token manager then uses its configured refresh window).
 *
 * <h2>Malformed files</h2>
 * A file that is not in this format (an unterminated quote, a wrong header, a row with the wrong number of
 * fields, a row without id, a repeated id, an {@code expiry_time} that is not a number of milliseconds,
 * invalid UTF-8)
 * fails every operation with {@link ErrorCode#CORRUPT_STORE}, naming the file and line (never a value). Such a
 * file is never written: nothing in it is lost. Fix or move it and retry.
 *
 * <h2>Files and safety</h2>
 * <ul>
 *   <li>A missing file is an empty store; {@link #open} does not create it. The first write creates it (and
 *       its folder, 0700, if missing) with the header. Deleting from a missing file creates nothing.
 *   <li>Every write replaces the whole file atomically: a temp file {@code .<name>.<random>.tmp} in the same
 *       folder (0600, created new, never through a link) is written and fsynced, renamed over the file
 *       ({@code ATOMIC_MOVE}), and the folder is fsynced. A crash leaves the old or the new file, never a mix. A
 *       writer killed in the middle of a save leaves its temp file, a copy of every secret: {@link #open} deletes
 *       such files under the writers' lock (never a live writer's), and {@link #tempFiles} lists what is left. The file is therefore always 0600 after a
 *       write, whatever its permissions were before (a token file should never be readable by others).
 *   <li>Each write (read-modify-write) holds an exclusive lock: a lock shared by every store of this JVM on the
 *       same file, then an OS lock ({@link FileChannel#lock()}) on the sidecar file {@code <name>.lock} (0600,
 *       never deleted; do not delete it while stores are open).
 *   <li>Sidecar files ({@code <name>.lock}, {@code <name>.refresh.lock}) are opened without following links and
 *       must be regular files with a single link owned by this user: a symbolic or hard link, folder or FIFO
 *       planted at their name fails the operation with {@link ErrorCode#UNSAFE_FILE}, and nothing is written
 *       through it. Under the lock the store rereads the file if it
 *       changed, applies the change, writes, and remembers the new file state. Several threads, stores and
 *       processes can share one file without losing updates; new ids ({@code max + 1} over the freshly read
 *       file and the highest id ever given out, which the lock file records) are unique across all of them,
 *       and the id of a deleted record is not given out again while the lock file is kept.
 *   <li>The parsed file is kept in memory, indexed. Each operation first compares the file's state (device
 *       and inode, size, modification time and change time: one {@code stat}) with the state it parsed, and
 *       rereads only when they differ. A lookup in an unchanged file is a hash lookup, it reads no file.
 *       Readers take no OS lock: this store's writes are atomic renames, so a reader sees the old or the new
 *       file. A file edited in place by another program (Zoho's SDKs do) is read again until two {@code stat}s
 *       around the read agree.
 *   <li>Symbolic links in the path are resolved when the store is opened; the link's target is rewritten.
 * </ul>
 * Change detection relies on the file system's timestamps and inode numbers: on a file system with coarse
 * (one second or worse) timestamps that also reuses inode numbers at once, a rewrite by another process of
 * exactly the same size within the same second could go unnoticed by a reader until the next change.
 *
 * <h2>Refresh coordination</h2>
 * Token managers in several processes of one host that share the file refresh each token once per expiry: the
 * store's {@link #refreshCoordinator()} keeps refresh leases in the sidecar file {@code <name>.refresh.lock}
 * (0600, never deleted; see {@code FileRefreshCoordinator}), which expire by themselves, and
 * {@link #saveTokenIf} saves a refresh result only if the record still holds the token it was refreshed from.
 *
 * <h2>Entries</h2>
 * The store's {@link EntryTable} ({@code capability(EntryTable.class)}) is kept in the sidecar file
 * {@code <name>.entries} (format: {@code EntryFile}, one JSON object per line), apart from the tokens, which Zoho's
 * SDKs read. It is read and written like the token file: replaced atomically (temp file 0600, fsync, rename,
 * folder fsync) under the same writers' lock, so an {@link EntryTable#insert} has exactly one winner across
 * threads and processes; reread only when it changed; opened never through a link and only as a regular file
 * of this user with one link (else {@link ErrorCode#UNSAFE_FILE}); at most 16 MiB. A malformed or oversized file
 * fails every entry operation with {@link ErrorCode#CORRUPT_STORE} naming the file and line, and is never
 * written; the tokens are not affected.
 *
 * <p>Thread-safe: lookups on an unchanged file run in parallel; writes are serialised. {@link #close()} is
 * idempotent; later operations fail with {@link ErrorCode#STORE_CLOSED}. Every I/O failure is a
 * {@link ErrorCode#STORE_UNAVAILABLE} naming the file and what to check.
 */
public final class FileTokenStore implements TokenStore, RefreshCoordination, ConditionalSave, TokenPages {
  private static final System.Logger LOG = System.getLogger(FileTokenStore.class.getName());
  private static final int READ_ATTEMPTS = 10;

  private final Path path; // the real path of the token file
  private final Path sidecar; // the issue times: IssueTimes
  private final TokenFile file;
  private final PathLock pathLock;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong rewrites = new AtomicLong();

  // Guarded by lock: the parsed file, its layout, and the state of the file it was parsed from.
  // state == null means unknown (e.g. after a failed write): the next operation rereads the file.
  private TokenTable table = new TokenTable();
  private ZohoCsv.Layout layout = ZohoCsv.Layout.NEW_FILE;
  private @Nullable FileState state;
  private volatile boolean closed;
  private volatile @Nullable RefreshCoordinator coordinator;
  /** Writes waiting for the write lock; whichever writer takes it applies them all and writes the file once. */
  private final ArrayDeque<Pending<?>> pending = new ArrayDeque<>();
  /** Guarded by pending: whether a writer is applying a group now. */
  private boolean leading;
  /** Guarded by lock: each record's line as last written, reused while the record is the same object. */
  private final HashMap<String, Row> rows = new HashMap<>();
  private ZohoCsv.@Nullable Layout rowsLayout;

  private record Row(OAuthToken token, byte[] bytes) {}

  private final Path entriesFile; // EntryFile
  private final EntryTable entryTable = new Entries();
  /** Guards the parsed entries file; taken before (never after) the path lock, and never with {@link #lock}. */
  private final ReentrantReadWriteLock entriesLock = new ReentrantReadWriteLock();
  // Guarded by entriesLock: the parsed entries file and the state of the file it was parsed from (null: unknown).
  private EntryMap entries = new EntryMap();
  private @Nullable FileState entriesState;

  private FileTokenStore(Path path) {
    this.path = path;
    this.sidecar = IssueTimes.sidecarOf(path);
    this.entriesFile = EntryFile.sidecarOf(path);
    this.file = new TokenFile(path);
    this.pathLock = PathLock.acquire(path);
  }

  /**
   * Opens the token file {@code file} (relative paths against the working directory) and reads it if it
   * exists. A missing file is an empty store, created on the first save.
   *
   * @throws StoreException {@link ErrorCode#CORRUPT_STORE} for a malformed file,
   *     {@link ErrorCode#STORE_UNAVAILABLE} if it cannot be read or is a folder
   */
  public static FileTokenStore open(Path file) {
    Objects.requireNonNull(file, "file");
    Path real = TokenFile.realPath(file);
    if (Files.isDirectory(real)) {
      throw new StoreException(
          ErrorCode.STORE_UNAVAILABLE,
          "The token file " + real + " is a folder. Name a file, e.g. " + real.resolve("sdk_tokens.txt") + ".");
    }
    FileTokenStore store = new FileTokenStore(real);
    try {
      store.lock.writeLock().lock();
      try {
        store.deleteStaleTemps();
        store.refresh();
      } finally {
        store.lock.writeLock().unlock();
      }
      return store;
    } catch (RuntimeException | Error e) {
      store.close();
      throw e;
    }
  }

  /**
   * The temp files of the token file {@code file} in its folder now: {@code .<name>.<random>.tmp}, each a full
   * copy of every token and client secret, and {@code .<name>.issued.<random>.tmp} and
   * {@code .<name>.entries.<random>.tmp} of its issue-time and entries sidecars. Opening the store deletes those that
   * writers killed in the middle of a save left behind; one that remains is a live writer's, or one this user cannot delete. For checks such as
   * {@code tokenstore doctor}.
   *
   * @throws StoreException {@link ErrorCode#STORE_UNAVAILABLE} if the folder cannot be listed
   */
  public static List<Path> tempFiles(Path file) {
    Objects.requireNonNull(file, "file");
    return new TokenFile(TokenFile.realPath(file)).tempFiles();
  }

  /** The token file (absolute, with symbolic links resolved at open). */
  public Path path() {
    return path;
  }

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    Objects.requireNonNull(query, "query");
    return read(t -> t.findOne(query));
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    Objects.requireNonNull(id, "id");
    return read(t -> t.get(id));
  }

  @Override
  public List<OAuthToken> getTokens() {
    return read(TokenTable::all);
  }

  /**
   * A page of the records as the file holds them now (reread when another process changed it), from the
   * in-memory index in id order: reads from the first record after {@code after}. See {@link TokenPages}.
   */
  @Override
  public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
    TokenPages.checkLimit(limit);
    return read(t -> TokenPages.pageOf(t.after(after), filter, after, limit, now));
  }

  @Override
  public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
    return read(t -> TokenPages.countOf(t.inOrder(), filter, now));
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    TokenRules.requireWellFormed(token); // before any lock or I/O
    return write(false, (t, held) -> {
      OAuthToken before = t.findOne(token).orElse(null);
      OAuthToken toSave = token;
      BigInteger newId = null;
      if (before == null && token.id() == null && held != null) {
        // A new record: one past the highest id in the file and ever given out (kept in the lock file), so
        // the id of a deleted record is not given to another one.
        newId = t.nextNumericId().max(highWater(held).add(BigInteger.ONE));
        toSave = token.toBuilder().id(newId.toString()).build();
      }
      OAuthToken saved = t.save(toSave);
      return new Change<>(saved, !saved.equals(before), newId);
    });
  }

  /**
   * Saves the tokens one after the other in memory and rewrites the file once: all or nothing (a token that fails
   * leaves the file as it was). See {@link TokenStore#saveTokens}.
   */
  @Override
  public List<OAuthToken> saveTokens(List<OAuthToken> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    tokens.forEach(t -> TokenRules.requireWellFormed(Objects.requireNonNull(t, "token")));
    return write(false, (t, held) -> {
      List<OAuthToken> out = new ArrayList<>(tokens.size());
      List<@Nullable OAuthToken> before = new ArrayList<>(tokens.size());
      List<String> ids = new ArrayList<>(tokens.size());
      BigInteger floor = held == null ? BigInteger.ONE : highWater(held).add(BigInteger.ONE);
      BigInteger newId = null;
      boolean changed = false;
      try {
        for (OAuthToken token : tokens) {
          OAuthToken old = t.findOne(token).orElse(null);
          OAuthToken toSave = token;
          if (old == null && token.id() == null && held != null) {
            newId = t.nextNumericId().max(floor);
            toSave = token.toBuilder().id(newId.toString()).build();
          }
          OAuthToken saved = t.save(toSave);
          before.add(old);
          ids.add(Objects.requireNonNull(saved.id()));
          changed |= !saved.equals(old);
          out.add(saved);
        }
      } catch (RuntimeException | Error e) {
        for (int i = ids.size() - 1; i >= 0; i--) { // undo, newest first: the table is as it was
          OAuthToken old = before.get(i);
          if (old == null) {
            t.remove(ids.get(i));
          } else {
            t.put(old);
          }
        }
        throw e;
      }
      return new Change<>(List.copyOf(out), changed, newId);
    });
  }

  /**
   * Saves {@code update} only if the record with its id still holds the access token, refresh token and client
   * secret of {@code expected}, under the same lock as {@link #saveToken}; see {@link ConditionalSave}.
   */
  @Override
  public Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update) {
    Objects.requireNonNull(expected, "expected");
    String id = ConditionalSave.requireId(Objects.requireNonNull(update, "update"));
    return write(false, (t, held) -> {
      OAuthToken before = t.get(id).orElse(null);
      if (!ConditionalSave.matches(before, expected)) {
        return new Change<>(Optional.<OAuthToken>empty(), false, null);
      }
      OAuthToken saved = t.save(update);
      return new Change<>(Optional.of(saved), !saved.equals(before), null);
    });
  }

  /** Leases in {@code <name>.refresh.lock} next to the token file, shared by every store of this JVM on it. */
  @Override
  public RefreshCoordinator refreshCoordinator() {
    RefreshCoordinator c = coordinator;
    if (c == null) {
      c = FileRefreshCoordinator.of(path, file.fileAttributes());
      coordinator = c;
    }
    return c;
  }

  @Override
  public boolean deleteToken(String id) {
    Objects.requireNonNull(id, "id");
    return write(true, (t, held) -> {
      boolean removed = t.remove(id);
      return new Change<>(removed, removed, null);
    });
  }

  @Override
  public void deleteTokens() {
    write(true, (t, held) -> {
      boolean any = t.size() > 0;
      t.clear();
      return new Change<>(Boolean.TRUE, any, null);
    });
  }

  /**
   * {@link EntryTable}: the entries in {@code <name>.entries} (a view of this store, see the class comment);
   * otherwise as {@link TokenStore#capability}.
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type == EntryTable.class) {
      return Optional.of(type.cast(entryTable));
    }
    return TokenStore.super.capability(type);
  }

  /** Idempotent. Releases the lock file when no other store of this JVM uses it. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      table = new TokenTable();
      state = null;
      entriesLock.writeLock().lock(); // after the writes of entries in progress; none starts now
      try {
        entries = new EntryMap();
        entriesState = null;
      } finally {
        entriesLock.writeLock().unlock();
      }
      pathLock.release();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Shows the path and whether the store is closed; never a token. */
  @Override
  public String toString() {
    return "FileTokenStore{path=" + path + ", closed=" + closed + "}";
  }

  /** How many times this store has parsed the file (for tests of the change detection). */
  long loadCount() {
    return loads.get();
  }

  /** How many times this store has rewritten the file (for tests of the group commit). */
  long rewriteCount() {
    return rewrites.get();
  }

  /** Writes waiting for the write lock (for tests of the group commit). */
  int waitingWrites() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** The store's lock (for tests of the group commit, which hold it while writers queue up). */
  ReentrantReadWriteLock lockForTests() {
    return lock;
  }

  // ---------------------------------------------------------------------------------------------------------

  private <T> T read(Function<TokenTable, T> op) {
    checkOpen();
    FileState now = file.stat();
    lock.readLock().lock();
    try {
      checkOpen();
      if (now.equals(state)) {
        return op.apply(table);
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      checkOpen();
      refresh();
      return op.apply(table);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A write's result, whether it changed the table (else the file is not rewritten), and the new id it gave
   * out, if any.
   */
  private record Change<T>(T result, boolean changed, @Nullable BigInteger newId) {}

  /** A change to the table, made under the exclusive lock ({@code held} is null when no lock was needed). */
  @FunctionalInterface
  private interface WriteOp<T> {
    Change<T> apply(TokenTable table, PathLock.@Nullable Held held);
  }

  /**
   * One write waiting to be applied, with its outcome once applied: set under the write lock by the writer that
   * applies its group, read by its own writer after that writer's {@code synchronized (pending)} block that follows.
   */
  private static final class Pending<T> {
    final boolean deleteOnly;
    final WriteOp<T> op;
    boolean done;
    @Nullable Change<T> change;
    @Nullable Throwable failure;

    Pending(boolean deleteOnly, WriteOp<T> op) {
      this.deleteOnly = deleteOnly;
      this.op = op;
    }

    T outcome() {
      Throwable f = failure;
      if (f instanceof RuntimeException re) {
        throw re;
      }
      if (f instanceof Error err) {
        throw err;
      }
      return Objects.requireNonNull(change, "a write's outcome").result();
    }
  }

  /**
   * Applies {@code op} under the exclusive lock and writes the file when it changed the table. Group commit:
   * writes from several threads that wait for the lock at the same time are applied one after the other, in the
   * order they arrived, by whichever of them takes the lock first, and the file is rewritten once for all of them
   * (each still sees the table as the writes before it left it, and gets its own result or exception). When the
   * file cannot be written, every write of the group fails and nothing of the group is kept.
   */
  private <T> T write(boolean deleteOnly, WriteOp<T> op) {
    Pending<T> mine = new Pending<>(deleteOnly, op);
    boolean lead;
    boolean interrupted = false;
    synchronized (pending) {
      pending.add(mine);
      // Wait while another writer applies a group: it may take this write along, and a writer that waited for the
      // lock only to find its write done would hold up the next group.
      while (!mine.done && leading) {
        try {
          pending.wait();
        } catch (InterruptedException e) {
          interrupted = true; // a write cannot be abandoned half-way; the flag is set again below
        }
      }
      lead = !mine.done;
      if (lead) {
        leading = true;
      }
    }
    try {
      if (lead) {
        lock.writeLock().lock();
        try {
          List<Pending<?>> group;
          synchronized (pending) { // taken only now, with the lock: every write that arrived meanwhile goes along
            group = new ArrayList<>(pending);
            pending.clear();
          }
          applyGroup(group);
        } finally {
          lock.writeLock().unlock();
          synchronized (pending) {
            leading = false;
            pending.notifyAll();
          }
        }
      }
      return mine.outcome();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Applies {@code group} (which holds at least the caller's write). Caller holds the write lock. */
  private void applyGroup(List<Pending<?>> group) {
    try {
      checkOpen();
      Path dir = file.folder();
      if (group.stream().allMatch(p -> p.deleteOnly) && !Files.isDirectory(dir)) {
        // Nothing to delete, and no reason to create a folder and lock file.
        refresh();
        group.forEach(p -> apply(p, null));
        return;
      }
      file.ensureFolder(dir);
      PathLock.Held held = lockFile();
      try {
        refresh();
        // The records as the file on disk holds them now, for the sidecar written before it (see writeFile).
        List<OAuthToken> onDisk = table.all();
        boolean changed = false;
        BigInteger newId = null;
        for (Pending<?> p : group) {
          Change<?> c = apply(p, held);
          if (c != null) {
            changed |= c.changed();
            if (c.newId() != null && (newId == null || c.newId().compareTo(newId) > 0)) {
              newId = c.newId();
            }
          }
        }
        if (changed) {
          try {
            writeFile(dir, onDisk);
          } catch (RuntimeException | Error e) {
            state = null; // the table holds unwritten changes: reread the file next time
            for (Pending<?> p : group) {
              p.change = null;
              p.failure = e;
            }
            return;
          }
        }
        if (newId != null) {
          try {
            held.highWater(newId);
          } catch (IOException e) {
            // The tokens are saved; only the memory of their ids is lost, so a later save might reuse a deleted id.
            LOG.log(System.Logger.Level.WARNING, "Could not record the highest id in {0}: {1}",
                pathLock.lockFile(), e.toString());
          }
        }
      } finally {
        held.close();
      }
    } catch (RuntimeException | Error e) {
      for (Pending<?> p : group) {
        if (!p.done || p.failure == null && p.change != null) {
          p.change = null;
          p.failure = e;
        }
        p.done = true;
      }
    } finally {
      for (Pending<?> p : group) {
        p.done = true;
      }
    }
  }

  /** Applies one write to the table; its failure (the table is then unchanged) is its own. */
  private <T> @Nullable Change<T> apply(Pending<T> p, PathLock.@Nullable Held held) {
    try {
      Change<T> c = p.op.apply(table, held);
      p.change = c;
      return c;
    } catch (RuntimeException | Error e) {
      p.failure = e;
      return null;
    } finally {
      p.done = true;
    }
  }

  private BigInteger highWater(PathLock.Held held) {
    try {
      return held.highWater();
    } catch (IOException e) {
      throw file.unavailable("cannot read the lock file " + pathLock.lockFile(), e,
          "Check that this user may read and write it.");
    }
  }

  private PathLock.Held lockFile() {
    try {
      return pathLock.lockExclusive(file.fileAttributes());
    } catch (IOException e) {
      throw file.unavailable("cannot create or lock the lock file " + pathLock.lockFile(), e,
          "Check that this user may create and write files in " + file.folder() + ".");
    }
  }

  /**
   * At open: deletes the temp files that killed writers left (copies of every secret), under the writers' lock
   * so that a live writer's temp file is never among them. Takes no lock (and creates no lock file) when there
   * are none. Without the lock (a read-only folder) they are left for {@code tokenstore doctor} to report.
   */
  private void deleteStaleTemps() {
    if (file.tempFiles().isEmpty()) {
      return;
    }
    PathLock.Held held;
    try {
      held = lockFile();
    } catch (StoreException e) {
      if (e.code() != ErrorCode.STORE_UNAVAILABLE) {
        throw e;
      }
      LOG.log(System.Logger.Level.WARNING, "Could not take the lock to delete the temp files left next to {0}: {1}",
          path, e.getMessage());
      return;
    }
    try {
      file.deleteStaleTemps();
    } finally {
      held.close();
    }
  }

  /** Rereads the file if its state differs from the parsed one. Caller holds the write lock. */
  private void refresh() {
    FileState now = file.stat();
    if (now.equals(state)) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      if (now.equals(FileState.MISSING)) {
        table = new TokenTable();
        layout = ZohoCsv.Layout.NEW_FILE;
        state = now;
        return;
      }
      byte @Nullable [] bytes = file.readOrNull();
      FileState after = file.stat();
      if (bytes != null && after.equals(now)) {
        ZohoCsv.Parsed parsed = ZohoCsv.parse(bytes, path);
        loads.incrementAndGet();
        // Written before the token file: at least as new as what was just read; entries that do not match the
        // record's expiry are ignored.
        IssueTimes.apply(parsed.table(), file.readSidecar(sidecar));
        table = parsed.table();
        layout = parsed.layout();
        state = now;
        return;
      }
      if (attempt >= READ_ATTEMPTS) {
        throw new StoreException(
            ErrorCode.STORE_UNAVAILABLE,
            "The token file " + path + " changed every time it was read (" + READ_ATTEMPTS + " attempts): "
                + "another program keeps rewriting it without the lock file " + pathLock.lockFile()
                + ". Retry, and stop programs that write it in place.");
      }
      now = after;
    }
  }

  /**
   * Writes the table: first the sidecar, with the issue times of both the new records and those of
   * {@code onDisk} (the records in the file being replaced), then the token file. A process killed between the
   * two renames thus leaves the old token file with a sidecar that still holds its issue times; the next write
   * drops the old entries.
   */
  private void writeFile(Path dir, List<OAuthToken> onDisk) {
    ZohoCsv.Layout out = layout.forWriting();
    List<OAuthToken> all = table.all();
    byte[] bytes = format(out, all);
    if (out != layout) {
      LOG.log(System.Logger.Level.INFO, "Upgrading the token file {0} from nine to ten columns (api_domain)", path);
    }
    if (IssueTimes.any(all) || IssueTimes.any(onDisk) || Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
      // First, so that a reader of the new file finds it. Best effort: the sidecar only saves refreshes of
      // short-lived tokens, so a sidecar that cannot be written (a folder planted in its place) never stops a save.
      try {
        file.replace(dir, sidecar, IssueTimes.format(all, onDisk));
      } catch (StoreException e) {
        LOG.log(System.Logger.Level.WARNING, "Could not write {0}; the tokens are saved without their issue times "
            + "(refreshes then use the configured window): {1}", sidecar, e.getMessage());
      }
    }
    file.replace(dir, bytes);
    rewrites.incrementAndGet();
    layout = out;
    state = file.stat();
  }

  /**
   * The file's bytes: the header and each record's line, reusing the line last written for a record that is the
   * same (immutable) object as then, so that a save encodes only the records it changed.
   */
  private byte[] format(ZohoCsv.Layout out, List<OAuthToken> all) {
    if (!out.equals(rowsLayout)) {
      rows.clear();
      rowsLayout = out;
    }
    byte[] header = ZohoCsv.header(out);
    List<byte[]> lines = new ArrayList<>(all.size());
    long size = header.length;
    for (OAuthToken t : all) {
      String id = Objects.requireNonNull(t.id(), "stored records have ids");
      Row r = rows.get(id);
      if (r == null || r.token() != t) {
        r = new Row(t, ZohoCsv.row(out, t));
        rows.put(id, r);
      }
      lines.add(r.bytes());
      size += r.bytes().length;
    }
    if (rows.size() > 2 * all.size() + 64) {
      rows.keySet().retainAll(all.stream().map(OAuthToken::id).toList()); // forget deleted records
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The token file " + path + " would be larger than 2 GB; "
          + "a file store is not made for this many tokens. Use the SQLite or a server store.");
    }
    return ZohoCsv.concat(header, lines, (int) size);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Entries: <name>.entries

  /** The store's entry table: every operation checks its arguments, then reads or writes the entries file. */
  private final class Entries implements EntryTable {
    @Override
    public Optional<String> get(String kind, String name) {
      EntryTable.check(kind, name, null);
      return readEntries(e -> e.get(kind, name));
    }

    @Override
    public boolean insert(String kind, String name, String value) {
      EntryTable.check(kind, name, value);
      Objects.requireNonNull(value, "value");
      return writeEntries(false, e -> {
        boolean added = e.insert(kind, name, value);
        return new Change<>(added, added, null);
      });
    }

    @Override
    public void put(String kind, String name, String value) {
      EntryTable.check(kind, name, value);
      Objects.requireNonNull(value, "value");
      writeEntries(false, e -> new Change<>(Boolean.TRUE, e.put(kind, name, value), null));
    }

    @Override
    public boolean remove(String kind, String name) {
      EntryTable.check(kind, name, null);
      return writeEntries(true, e -> {
        boolean removed = e.remove(kind, name);
        return new Change<>(removed, removed, null);
      });
    }

    @Override
    public SortedMap<String, String> list(String kind) {
      EntryTable.check(kind, "-", null); // the kind only
      return readEntries(e -> e.list(kind));
    }

    @Override
    public SortedSet<String> kinds() {
      return readEntries(EntryMap::kinds);
    }

    @Override
    public String toString() {
      return "EntryTable of " + FileTokenStore.this;
    }
  }

  /** {@code op} on the entries as the file holds them now (reread only when it changed). */
  private <T> T readEntries(Function<EntryMap, T> op) {
    checkOpen();
    FileState now = file.stat(entriesFile);
    entriesLock.readLock().lock();
    try {
      checkOpen();
      if (now.equals(entriesState)) {
        return op.apply(entries);
      }
    } finally {
      entriesLock.readLock().unlock();
    }
    entriesLock.writeLock().lock();
    try {
      checkOpen();
      refreshEntries();
      return op.apply(entries);
    } finally {
      entriesLock.writeLock().unlock();
    }
  }

  /**
   * Applies {@code op} to the entries under the writers' lock (this JVM's and the OS lock on {@code <name>.lock},
   * shared with the token writes), after rereading the file if another store or process changed it, and replaces
   * the file when {@code op} changed them. {@code removeOnly}: nothing to do (and no folder or lock file made) when
   * the folder is missing.
   */
  private <T> T writeEntries(boolean removeOnly, Function<EntryMap, Change<T>> op) {
    checkOpen();
    entriesLock.writeLock().lock();
    try {
      checkOpen();
      Path dir = file.folder();
      if (removeOnly && !Files.isDirectory(dir)) {
        refreshEntries();
        return op.apply(entries).result();
      }
      file.ensureFolder(dir);
      try (PathLock.Held held = lockFile()) {
        refreshEntries();
        Change<T> c = op.apply(entries);
        if (c.changed()) {
          entriesState = null; // the map holds a change not yet written: reread it unless the write succeeds
          file.replace(dir, entriesFile, EntryFile.format(entries, entriesFile));
          entriesState = file.stat(entriesFile);
        }
        return c.result();
      }
    } finally {
      entriesLock.writeLock().unlock();
    }
  }

  /** Rereads the entries file if its state differs from the parsed one. Caller holds the entries write lock. */
  private void refreshEntries() {
    FileState now = file.stat(entriesFile);
    if (now.equals(entriesState)) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      if (now.equals(FileState.MISSING)) {
        entries = new EntryMap();
        entriesState = now;
        return;
      }
      byte @Nullable [] bytes = file.readPrivateSidecar(entriesFile, EntryFile.MAX_BYTES, "entries file",
          size -> EntryFile.tooLarge(entriesFile, size));
      FileState after = file.stat(entriesFile);
      if (bytes != null && after.equals(now)) {
        entries = EntryFile.parse(bytes, entriesFile);
        entriesState = now;
        return;
      }
      if (bytes == null && after.equals(FileState.MISSING)) {
        now = after;
        continue;
      }
      if (attempt >= READ_ATTEMPTS) {
        throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "The entries file " + entriesFile + " changed every "
            + "time it was read (" + READ_ATTEMPTS + " attempts): another program keeps rewriting it without the "
            + "lock file " + pathLock.lockFile() + ". Retry, and stop programs that write it in place.");
      }
      now = after;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(
          ErrorCode.STORE_CLOSED, "The file store for " + path + " is closed; open a new one.");
    }
  }
}
