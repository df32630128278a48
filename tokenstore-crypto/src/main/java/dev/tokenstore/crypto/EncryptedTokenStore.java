package dev.tokenstore.crypto;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EncryptedValues;
import dev.tokenstore.spi.ForwardingTokenStore;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} that keeps the secrets of every record encrypted in the store it wraps (any store: file,
 * SQLite, MySQL/MariaDB, PostgreSQL, Redis, memory or your own), and hands out plain tokens.
 *
 * <pre>{@code
 * KeyProvider keys = KeyringFile.at(Path.of("/etc/myapp/tokens.keyring"));   // tokenstore keys init
 * try (TokenStore store = EncryptedTokenStore.open("sqlite:tokens.db", keys)) {
 *   TokenManager manager = TokenManager.builder().store(store).environment(env).build();
 *   ...
 * }
 * }</pre>
 *
 * <h2>What is encrypted, and how</h2>
 * The access, refresh and grant tokens are each encrypted with the keyring's primary key (AES-SIV, deterministic
 * authenticated encryption) and stored as {@code tse1.} + base64url text, so the wrapped store still finds a record
 * by token with its own index: a lookup encrypts the token with each key of the keyring, primary first, and asks
 * for each ciphertext. The client secret field holds the record's <em>seal</em>: the client secret (or the mark
 * that there is none) encrypted with, as associated data, the record's user name, client id, API domain and the
 * three token ciphertexts. A secret copied from another record, a user name changed by hand, or a damaged
 * ciphertext fails authentication: {@link ErrorCode#RECORD_MISMATCH} or {@link ErrorCode#DECRYPTION_FAILED},
 * never a token handed out. User names, client ids, API domains, redirect URLs and times stay in clear: the
 * matching rules look records up by them, {@code tokenstore list} shows them, and they are not credentials
 * (see {@code docs/encryption.md}).
 *
 * <h2>Rules kept</h2>
 * The matching and merge rules are the wrapped store's, applied to plain tokens: a save finds the record the token
 * means (under any key), merges in plain text and writes the whole record re-encrypted with the primary key, with
 * the wrapped store's compare-and-set save when it has one ({@link ConditionalSave}), so that concurrent writers in
 * other processes never leave a record whose seal does not fit. A refresh's compare-and-set save compares plain
 * tokens, so a record re-encrypted meanwhile ({@link #rekey}) does not refuse it. Leases
 * ({@link dev.tokenstore.spi.RefreshCoordination}) are the wrapped store's.
 *
 * <h2>Keys</h2>
 * The {@link KeyProvider} is asked for the keyring before every write and when a record names a key the keyring
 * lacks: a key added with {@code tokenstore keys rotate} reaches running processes without a restart. A record
 * with a plain secret is {@link ErrorCode#NOT_ENCRYPTED}, never handed out as is ({@link #rekey} with
 * {@code encryptPlaintext} encrypts such records in place).
 *
 * <p>Thread-safe when the wrapped store is.
 */
public final class EncryptedTokenStore extends ForwardingTokenStore {
  private static final byte[] ACCESS = "tokenstore.v1.access_token".getBytes(StandardCharsets.UTF_8);
  private static final byte[] REFRESH = "tokenstore.v1.refresh_token".getBytes(StandardCharsets.UTF_8);
  private static final byte[] GRANT = "tokenstore.v1.grant_token".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SEAL = "tokenstore.v1.seal".getBytes(StandardCharsets.UTF_8);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();
  /** Attempts of a write whose compare-and-set keeps losing to other writers before it gives up. */
  private static final int ATTEMPTS = 32;

  private final KeyProvider keys;
  private volatile Keyring keyring;
  private final @Nullable ConditionalSave cas;
  /**
   * Serialises the read-merge-write of every save in this JVM (the only guard when the wrapped store has no
   * compare-and-set save; with one, it keeps threads of this JVM from starving each other's compare-and-set).
   */
  private final ReentrantLock writes = new ReentrantLock();
  /** How a reader waits before it reads a record whose seal does not fit again (tests count the waits). */
  Pause pause = Thread::sleep;

  /** A wait of some milliseconds. */
  @FunctionalInterface
  interface Pause {
    void pause(long millis) throws InterruptedException;
  }

  private EncryptedTokenStore(TokenStore store, KeyProvider keys) {
    super(store);
    this.keys = keys;
    this.keyring = Objects.requireNonNull(keys.keyring(), "keyring");
    this.cas = store.capability(ConditionalSave.class).orElse(null);
  }

  /**
   * Encrypts the secrets of {@code store} with the keys {@code keys} provides. A store opened with
   * {@link TokenStores#open} is unwrapped from its check that refuses encrypted records. Closing the result closes
   * {@code store}.
   *
   * @throws TokenstoreException {@link ErrorCode#KEYRING_ERROR} when the keyring cannot be read
   */
  public static EncryptedTokenStore wrap(TokenStore store, KeyProvider keys) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(keys, "keys");
    if (store.capability(EncryptedTokenStore.class).isPresent()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The store is already an EncryptedTokenStore; "
          + "encrypting it again would make its records unreadable to every other process. Wrap the plain store.");
    }
    return new EncryptedTokenStore(EncryptedValues.withoutCheck(store), keys);
  }

  /** Opens the store {@code uri} names ({@link TokenStores#open}) with its secrets encrypted by {@code keys}. */
  public static EncryptedTokenStore open(String uri, KeyProvider keys) {
    Keyring first = keys.keyring(); // a keyring problem before any connection is made
    Objects.requireNonNull(first, "keyring");
    TokenStore store = TokenStores.open(uri);
    try {
      return wrap(store, keys);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The keyring in use (the provider's latest). */
  public Keyring keyring() {
    return keyring;
  }

  /** Where the keys come from. */
  public KeyProvider keyProvider() {
    return keys;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // reads

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    return findRaw(query).flatMap(this::revealSettled);
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    return delegate().findTokenById(id).flatMap(this::revealSettled);
  }

  @Override
  public List<OAuthToken> getTokens() {
    List<OAuthToken> out = new ArrayList<>();
    for (OAuthToken raw : delegate().getTokens()) {
      revealSettled(raw).ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  /**
   * A record returned by a capability of the wrapped store that returns tokens (its {@code oauth.TokenPages}),
   * revealed as {@link #getTokens()} does; null (left out) when it was deleted meanwhile. The wrapped store's paging
   * filters the stored records: user names, client ids and times are in clear, and a token is set exactly when its
   * ciphertext is, so its filters and counts by status are those of the plain records.
   */
  @Override
  protected @Nullable OAuthToken revealed(OAuthToken stored) {
    return revealSettled(stored).orElse(null);
  }

  /**
   * As {@link ForwardingTokenStore#capability}, and {@link TokenPages} always: the wrapped store's paging seen
   * through {@link #revealed}, or, when it has none, {@link TokenPages#scanning scanning} its records and revealing
   * each. Either way {@link TokenPages#items} reports a record that cannot be read (a damaged ciphertext, a seal
   * that does not fit, an unknown key, a plain secret) as an unreadable item with its id and user name, where
   * {@link #getTokens()} and {@link TokenPages#page} fail: the listing an operator uses to find the bad records.
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if (type != TokenPages.class) {
      return super.capability(type);
    }
    TokenPages stored = delegate().capability(TokenPages.class).orElseGet(() -> TokenPages.scanning(delegate()));
    TokenPages settled = stored.revealedBy(this::revealed);
    TokenPages once = stored.revealedBy(this::reveal);
    return Optional.of(type.cast(new TokenPages() {
      @Override
      public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
        return settled.page(filter, after, limit, now);
      }

      @Override
      public List<Item> items(Filter filter, @Nullable String after, int limit, Instant now) {
        return settledItems(once.items(filter, after, limit, now));
      }

      @Override
      public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
        return settled.countByStatus(filter, now);
      }
    }));
  }

  /**
   * {@code items} (each record revealed once) with the records whose seal did not fit read again as
   * {@link #readSettled} does, but with one wait for all of them: a page of many such records waits about 60 ms in
   * all, not that much for each record (a store restored wrongly would take minutes to list).
   */
  private List<TokenPages.Item> settledItems(List<TokenPages.Item> items) {
    List<TokenPages.Item> out = new ArrayList<>(items);
    for (long wait = 1; wait <= 32 && out.stream().anyMatch(EncryptedTokenStore::unsettled); wait *= 2) {
      try {
        pause.pause(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenstoreException(ErrorCode.INTERRUPTED, "Interrupted while reading records again.");
      }
      for (ListIterator<TokenPages.Item> it = out.listIterator(); it.hasNext(); ) {
        TokenPages.Item i = it.next();
        if (!unsettled(i)) {
          continue;
        }
        Optional<OAuthToken> again = delegate().findTokenById(i.id());
        if (again.isEmpty()) {
          it.remove(); // deleted meanwhile
          continue;
        }
        try {
          it.set(TokenPages.Item.readable(reveal(again.get())));
        } catch (TokenstoreException e) {
          if (!TokenPages.UNREADABLE_RECORD.contains(e.code())) {
            throw e;
          }
          it.set(new TokenPages.Item(i.id(), i.userName(), null, e));
        }
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static boolean unsettled(TokenPages.Item i) {
    TokenstoreException e = i.error();
    return e != null && e.code() == ErrorCode.RECORD_MISMATCH;
  }

  @Override
  protected OAuthToken fromDelegate(OAuthToken stored) {
    return reveal(stored);
  }

  /**
   * The record revealed; empty when it was deleted meanwhile. A seal that does not fit is read again a few
   * times over about 60 ms before it is an error: a writer in another process whose write met a concurrent
   * write of another field seals the record again right after (see {@link #settle}), and a reader may see the
   * moment between.
   */
  private Optional<OAuthToken> revealSettled(OAuthToken raw) {
    return readSettled(raw).map(Read::plain);
  }

  /** A record as stored and as revealed. */
  private record Read(OAuthToken raw, OAuthToken plain) {}

  /** {@link #revealSettled}, keeping the stored form that was revealed (a compare-and-set needs it). */
  private Optional<Read> readSettled(OAuthToken raw) {
    OAuthToken current = raw;
    for (int wait = 1; ; wait *= 2) {
      try {
        return Optional.of(new Read(current, reveal(current)));
      } catch (TokenstoreException e) {
        if (e.code() != ErrorCode.RECORD_MISMATCH || current.id() == null || wait > 32) {
          throw e;
        }
      }
      try {
        pause.pause(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenstoreException(ErrorCode.INTERRUPTED, "Interrupted while reading record " + current.id()
            + " again.");
      }
      Optional<OAuthToken> again = delegate().findTokenById(current.id());
      if (again.isEmpty()) {
        return Optional.empty();
      }
      current = again.get();
    }
  }

  @Override
  protected OAuthToken toDelegate(OAuthToken token) {
    // every path that passes tokens down is overridden; this one is not reached
    return conceal(token, keyring);
  }

  /** The stored (encrypted) record {@code query} means, found by the wrapped store's index. */
  private Optional<OAuthToken> findRaw(OAuthToken query) {
    TokenKey key = TokenKey.of(query);
    if (key instanceof TokenKey.ById byId) {
      return delegate().findTokenById(byId.id());
    }
    if (key instanceof TokenKey.ByUser u) {
      return delegate().findToken(OAuthToken.builder().userName(u.userName()).clientId(u.clientId())
          .apiDomain(u.apiDomain()).build());
    }
    if (key instanceof TokenKey.ByAccessToken a) {
      return firstOf(a.accessToken(), ACCESS, ct -> OAuthToken.builder().accessToken(ct).build());
    }
    if (key instanceof TokenKey.ByGrantToken g) {
      return firstOf(g.grantToken(), GRANT, ct -> OAuthToken.builder().grantToken(ct).build());
    }
    if (key instanceof TokenKey.ByRefreshToken r) {
      return firstOf(r.refreshToken(), REFRESH,
          ct -> OAuthToken.builder().refreshToken(ct).clientId(r.clientId()).build());
    }
    return Optional.empty();
  }

  /**
   * The first record found by {@code secret} encrypted with each key of the keyring, primary first. When none is
   * found, the provider is asked for its latest keyring, and the keys it added since (another process rotated the
   * keyring and wrote or re-encrypted records with the new key) are tried too.
   */
  private Optional<OAuthToken> firstOf(String secret, byte[] field, Function<String, OAuthToken> query) {
    Keyring held = keyring;
    Optional<OAuthToken> found = firstOf(held, null, secret, field, query);
    if (found.isPresent()) {
      return found;
    }
    Keyring latest = currentKeyring();
    return latest.equals(held) ? found : firstOf(latest, held, secret, field, query);
  }

  /** {@link #firstOf} with the keys of {@code k} that {@code tried} lacks (all of them when it is null). */
  private Optional<OAuthToken> firstOf(Keyring k, @Nullable Keyring tried, String secret, byte[] field,
      Function<String, OAuthToken> query) {
    List<byte[]> forms;
    try {
      forms = k.encryptWithEachKey(secret.getBytes(StandardCharsets.UTF_8), field);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-SIV failed to encrypt", e);
    }
    for (byte[] ct : forms) {
      if (tried != null && tried.hasKey(Keyring.keyIdOf(ct))) {
        continue;
      }
      Optional<OAuthToken> found = delegate().findToken(query.apply(text(ct)));
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // writes

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    TokenRules.requireWellFormed(token);
    // Writers of this JVM take turns (the wrapped stores serialise their writes anyway): without this, threads
    // saving one record keep failing each other's compare-and-set until one gives up (STORE_UNAVAILABLE).
    writes.lock();
    try {
      if (cas == null) {
        Keyring k = currentKeyring();
        Optional<Read> read = existing(token, k);
        OAuthToken plan = TokenRules.planSave(read.map(Read::plain).orElse(null), token);
        OAuthToken sealed = conceal(read.map(r -> plan.toBuilder().id(r.raw().id()).build()).orElse(plan), k);
        return settle(delegate().saveToken(sealed), plan);
      }
      String id = token.id();
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        Keyring k = currentKeyring();
        Optional<Read> read = existing(token, k);
        OAuthToken plan = TokenRules.planSave(read.map(Read::plain).orElse(null), token);
        if (read.isEmpty()) {
          return settle(delegate().saveToken(conceal(plan, k)), plan);
        }
        id = read.get().raw().id();
        OAuthToken sealed = conceal(plan.toBuilder().id(id).build(), k);
        Optional<OAuthToken> saved = cas.saveTokenIf(read.get().raw(), sealed);
        if (saved.isPresent()) {
          return written(saved.get());
        }
        backOff(attempt); // another process wrote the record meanwhile
      }
      throw busy(id);
    } finally {
      writes.unlock();
    }
  }

  /**
   * The record a save of {@code token} merges into, revealed: the one the matching rules find for the plain token,
   * or else the one the wrapped store would merge a new record into. Its rules see the sealed form, whose client
   * secret field is always set, so a token that the plain rules look up by access token (and find nowhere) is
   * matched there by its refresh or grant token: that record is then planned against, revealed first, so that a
   * damaged one is refused rather than written into, and nothing the write did not plan is sealed.
   */
  private Optional<Read> existing(OAuthToken token, Keyring k) {
    Optional<Read> read = findRaw(token).flatMap(this::readSettled);
    if (read.isPresent()) {
      return read;
    }
    return delegate().findToken(conceal(TokenRules.planSave(null, token), k)).flatMap(this::readSettled);
  }

  /** A random pause that grows with {@code attempt} (up to 64 ms), so that writers of several processes spread out. */
  private static void backOff(int attempt) {
    long maxNanos = TimeUnit.MILLISECONDS.toNanos(1L << Math.min(attempt, 6));
    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(maxNanos / 2, maxNanos + 1));
  }

  /**
   * Saves the tokens encrypted through the wrapped store's bulk save (one rewrite of a file, one SQL transaction).
   * Each is planned against the record it means as read before the write, and, unlike {@link #saveToken}, written
   * without compare-and-set: for imports and migrations, not for records other processes are refreshing.
   */
  @Override
  public List<OAuthToken> saveTokens(List<OAuthToken> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    tokens.forEach(t -> TokenRules.requireWellFormed(Objects.requireNonNull(t, "token")));
    writes.lock();
    try {
      return saveAllLocked(tokens);
    } finally {
      writes.unlock();
    }
  }

  private List<OAuthToken> saveAllLocked(List<OAuthToken> tokens) {
    Keyring k = currentKeyring();
    List<OAuthToken> plans = new ArrayList<>(tokens.size());
    List<OAuthToken> sealed = new ArrayList<>(tokens.size());
    for (OAuthToken token : tokens) {
      Optional<Read> read = existing(token, k);
      OAuthToken plan = TokenRules.planSave(read.map(Read::plain).orElse(null), token);
      plans.add(plan);
      sealed.add(conceal(read.map(r -> plan.toBuilder().id(r.raw().id()).build()).orElse(plan), k));
    }
    List<OAuthToken> stored = delegate().saveTokens(sealed);
    List<OAuthToken> out = new ArrayList<>(stored.size());
    for (int i = 0; i < stored.size(); i++) {
      out.add(settle(stored.get(i), plans.get(i)));
    }
    return List.copyOf(out);
  }

  /**
   * The compare-and-set save of a refresh: the condition compares plain tokens (a record re-encrypted meanwhile
   * still matches), the write is the wrapped store's compare-and-set on the ciphertexts it read.
   */
  @Override
  protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
    String id = ConditionalSave.requireId(update);
    TokenRules.requireWellFormed(update);
    writes.lock(); // as saveToken: writers of this JVM take turns
    try {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        Keyring k = currentKeyring();
        Optional<Read> read = delegate().findTokenById(id).flatMap(this::readSettled);
        if (read.isEmpty()) {
          return Optional.empty();
        }
        if (!ConditionalSave.matches(read.get().plain(), expected)) {
          return Optional.empty();
        }
        OAuthToken plan = TokenRules.merge(read.get().plain(), update);
        Optional<OAuthToken> saved = target.saveTokenIf(read.get().raw(), conceal(plan, k));
        if (saved.isPresent()) {
          return Optional.of(written(saved.get()));
        }
        // the ciphertexts changed since the read: look again whether the plain tokens still match
        backOff(attempt);
      }
      throw busy(id);
    } finally {
      writes.unlock();
    }
  }

  /**
   * The record as stored after a write of {@code plan}, revealed. When another writer set a field at the same
   * moment that this write left empty, the wrapped store's merge kept that field and the seal no longer fits:
   * the record is sealed again over what it now holds (each field still authenticates on its own, so only keyring
   * holders wrote them).
   */
  private OAuthToken settle(OAuthToken stored, OAuthToken plan) {
    // Only after a write that was not a compare-and-set (an insert, a store without compare-and-set, a bulk
    // save): after a compare-and-set, which covers the seal and so the whole record, see written().
    OAuthToken current = stored;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        return reveal(current);
      } catch (TokenstoreException e) {
        if (e.code() != ErrorCode.RECORD_MISMATCH || current.id() == null) {
          throw e;
        }
      }
      OAuthToken fields = revealFields(current, false).toBuilder().clientSecret(plan.clientSecret()).build();
      OAuthToken resealed = conceal(fields, currentKeyring());
      if (cas != null) {
        Optional<OAuthToken> saved = cas.saveTokenIf(current, resealed);
        Optional<OAuthToken> next = saved.isPresent() ? saved : delegate().findTokenById(current.id());
        if (next.isEmpty()) {
          throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "Record " + current.id() + " was deleted while "
              + "it was being saved. Save again.");
        }
        current = next.get();
      } else {
        current = delegate().saveToken(resealed);
      }
    }
    throw busy(stored.id());
  }

  /**
   * The record a compare-and-set save wrote, revealed. The compare-and-set covered the seal, which changes with
   * every write through a keyring, so a seal that does not fit now means a field was changed without the keyring
   * in the moment of the write (a ciphertext copied in by hand): {@link ErrorCode#RECORD_MISMATCH}, never sealed
   * again over it.
   */
  private OAuthToken written(OAuthToken stored) {
    return reveal(stored);
  }

  private static StoreException busy(@Nullable String id) {
    return new StoreException(ErrorCode.STORE_UNAVAILABLE, "Record " + (id == null ? "(new)" : id) + " changed "
        + "under every one of " + ATTEMPTS + " attempts to save it; other writers keep changing it. Retry.");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // keys: rotation, re-encryption, retirement

  /**
   * One stored record as {@link #checkRecords()} found it: revealed ({@code token}), or the error that keeps it
   * from being read ({@code error}). {@code userName} is the stored (clear) user name either way.
   */
  public record RecordCheck(String id, @Nullable String userName, @Nullable OAuthToken token,
      @Nullable TokenstoreException error) {}

  /**
   * Every record, each revealed or with the error that keeps it from being read (a damaged ciphertext, a record
   * whose seal does not fit, an unknown key, a plain secret): for an operator who must find the bad records,
   * where {@link #getTokens()} fails on the first.
   */
  public List<RecordCheck> checkRecords() {
    List<RecordCheck> out = new ArrayList<>();
    for (OAuthToken raw : delegate().getTokens()) {
      String id = Objects.requireNonNull(raw.id(), "stored records have ids");
      try {
        Optional<OAuthToken> t = revealSettled(raw);
        if (t.isPresent()) {
          out.add(new RecordCheck(id, raw.userName(), t.get(), null));
        }
      } catch (TokenstoreException e) {
        out.add(new RecordCheck(id, raw.userName(), null, e));
      }
    }
    return List.copyOf(out);
  }

  /** Which keys the store's records use. */
  public record KeyUsage(Map<Long, Integer> recordsByKey, int plaintextRecords, int records) {
    /** How many records use key {@code id} for at least one secret. */
    public int recordsUsing(long id) {
      return recordsByKey.getOrDefault(id, 0);
    }
  }

  /** Counts, for every key id, the records with a secret encrypted by it, and the records with a plain secret. */
  public KeyUsage keyUsage() {
    Map<Long, Integer> byKey = new TreeMap<>();
    int plain = 0;
    List<OAuthToken> all = delegate().getTokens();
    for (OAuthToken raw : all) {
      boolean plainSecret = false;
      java.util.Set<Long> used = new java.util.TreeSet<>();
      for (String v : secretsOf(raw)) {
        if (!EncryptedValues.isEncrypted(v)) {
          plainSecret = true;
          continue;
        }
        long id = Keyring.keyIdOf(bytesOrEmpty(v));
        if (id >= 0) {
          used.add(id);
        }
      }
      used.forEach(id -> byKey.merge(id, 1, Integer::sum));
      plain += plainSecret ? 1 : 0;
    }
    return new KeyUsage(Map.copyOf(byKey), plain, all.size());
  }

  /** What {@link #rekey} did. {@code failed} maps record ids to the error that kept each as it was. */
  public record RekeyReport(int records, int reencrypted, int unchanged, Map<String, TokenstoreException> failed) {}

  /** Told after each record {@link #rekey} handles: how many of how many. */
  @FunctionalInterface
  public interface RekeyProgress {
    void handled(int done, int total);
  }

  /**
   * Re-encrypts, with the current primary key, every record that uses another key (and, with
   * {@code encryptPlaintext}, every record with a plain secret), one record at a time with the wrapped store's
   * compare-and-set save, while other processes keep reading, refreshing and saving: a record changed meanwhile is
   * read again and re-encrypted from its new content, so no refresh is lost. A record that cannot be read (damaged,
   * unknown key) is left as it is and reported.
   */
  public RekeyReport rekey(boolean encryptPlaintext, RekeyProgress progress) {
    Keyring k = currentKeyring();
    List<OAuthToken> all = delegate().getTokens();
    int done = 0;
    int changed = 0;
    int unchanged = 0;
    Map<String, TokenstoreException> failed = new LinkedHashMap<>();
    for (OAuthToken first : all) {
      String id = Objects.requireNonNull(first.id(), "stored records have ids");
      try {
        if (rekeyOne(first, k, encryptPlaintext)) {
          changed++;
        } else {
          unchanged++;
        }
      } catch (TokenstoreException e) {
        failed.put(id, e);
      }
      progress.handled(++done, all.size());
    }
    return new RekeyReport(all.size(), changed, unchanged, Map.copyOf(failed));
  }

  private boolean rekeyOne(OAuthToken first, Keyring k, boolean encryptPlaintext) {
    OAuthToken raw = first;
    writes.lock(); // one record at a time: the other writers of this JVM wait for this record only
    try {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (onlyUnder(raw, k.primaryKeyId())) {
          reveal(raw); // it must still read; a damaged record is reported
          return false;
        }
        OAuthToken plain;
        if (EncryptedValues.isEncrypted(raw.clientSecret())) {
          plain = reveal(raw); // the seal must fit before it is renewed
        } else if (encryptPlaintext && !EncryptedValues.anyEncrypted(raw)) {
          plain = raw; // a record written wholly in plain text, adopted as asked
        } else if (EncryptedValues.anyEncrypted(raw)) {
          // encrypted tokens without their seal: they may have been copied from another record; sealing them now
          // would make them readable as this record's
          throw new StoreException(ErrorCode.RECORD_MISMATCH, "Record " + raw.id() + " holds encrypted tokens "
              + "without their seal (its client secret field is " + (raw.clientSecret() == null ? "empty" : "plain")
              + "): they cannot be shown to belong to it, so it is not re-encrypted. Delete it (tokenstore delete "
              + raw.id() + ") and authorize the user again, or restore it from a backup.");
        } else {
          plain = reveal(raw); // NOT_ENCRYPTED, reported
        }
        OAuthToken sealed = conceal(plain, k);
        if (cas != null) {
          if (cas.saveTokenIf(raw, sealed).isPresent()) {
            return true;
          }
          backOff(attempt); // another process wrote the record meanwhile
        } else {
          Optional<OAuthToken> now = delegate().findTokenById(Objects.requireNonNull(raw.id()));
          if (now.isPresent() && now.get().equals(raw)) {
            delegate().saveToken(sealed);
            return true;
          }
        }
        Optional<OAuthToken> again = delegate().findTokenById(Objects.requireNonNull(raw.id()));
        if (again.isEmpty()) {
          return false; // deleted meanwhile
        }
        raw = again.get();
      }
      throw busy(first.id());
    } finally {
      writes.unlock();
    }
  }

  /**
   * Removes key {@code keyId} from the keyring file once no record of this store uses it.
   *
   * @throws TokenstoreException {@link ErrorCode#KEY_IN_USE} when records use it (the message says how many) or it
   *     is the primary key
   */
  public Keyring retireKey(long keyId, KeyringFile file) {
    Keyring k = file.keyring();
    if (!k.hasKey(keyId)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The keyring " + file.path() + " has no key "
          + keyId + "; its keys are " + k.keys().stream().map(KeyInfo::id).toList() + ".");
    }
    if (keyId == k.primaryKeyId()) {
      k.withoutKey(keyId); // KEY_IN_USE: the primary key; rotate first
    }
    int using = keyUsage().recordsUsing(keyId);
    if (using > 0) {
      throw new TokenstoreException(ErrorCode.KEY_IN_USE, "Key " + keyId + " still encrypts " + using
          + (using == 1 ? " record" : " records") + " of this store. Run 'tokenstore rekey' first, then retire it.");
    }
    Keyring next = file.update(current -> current.withoutKey(keyId));
    keyring = next;
    return next;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the record format

  private Keyring currentKeyring() {
    Keyring k = Objects.requireNonNull(keys.keyring(), "keyring");
    keyring = k;
    return k;
  }

  /** The record as the wrapped store keeps it: tokens encrypted, the client secret field holding the seal. */
  private OAuthToken conceal(OAuthToken plain, Keyring k) {
    try {
      String at = encrypt(k, plain.accessToken(), ACCESS);
      String rt = encrypt(k, plain.refreshToken(), REFRESH);
      String gt = encrypt(k, plain.grantToken(), GRANT);
      String secret = plain.clientSecret();
      byte[] content;
      if (secret == null) {
        content = new byte[] {0};
      } else {
        byte[] s = secret.getBytes(StandardCharsets.UTF_8);
        content = new byte[s.length + 1];
        content[0] = 1;
        System.arraycopy(s, 0, content, 1, s.length);
      }
      String seal = text(k.encrypt(content, sealData(plain, at, rt, gt)));
      return plain.toBuilder().accessToken(at).refreshToken(rt).grantToken(gt).clientSecret(seal).build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-SIV failed to encrypt", e);
    }
  }

  private static @Nullable String encrypt(Keyring k, @Nullable String value, byte[] field)
      throws GeneralSecurityException {
    return value == null ? null : text(k.encrypt(value.getBytes(StandardCharsets.UTF_8), field));
  }

  /** The plain record: every field decrypted and the seal checked. */
  private OAuthToken reveal(OAuthToken raw) {
    OAuthToken fields = revealFields(raw, false);
    String seal = raw.clientSecret();
    if (!EncryptedValues.isEncrypted(seal) && EncryptedValues.anyEncrypted(raw)) {
      throw new StoreException(ErrorCode.RECORD_MISMATCH, "Record " + raw.id() + " holds encrypted tokens without "
          + "their seal (its client secret field is " + (seal == null ? "empty" : "plain text") + "): they cannot be "
          + "shown to belong to it, so nothing is handed out. Delete it (by id) and authorize the user again, or "
          + "restore it from a backup.");
    }
    if (!EncryptedValues.isEncrypted(seal)) {
      throw new StoreException(ErrorCode.NOT_ENCRYPTED, "Record " + raw.id() + " has no seal: it was written "
          + "without the keyring (its client secret field is " + (seal == null ? "empty" : "plain text")
          + "). It is not handed out. Encrypt it with 'tokenstore rekey --encrypt-plaintext', or find what wrote it.");
    }
    byte[] content = decrypt(raw, Objects.requireNonNull(seal), sealData(raw, raw.accessToken(), raw.refreshToken(),
        raw.grantToken()), "seal", true);
    String secret = content.length > 0 && content[0] == 1
        ? new String(content, 1, content.length - 1, StandardCharsets.UTF_8) : null;
    return fields.toBuilder().clientSecret(secret).build();
  }

  /** The record with its three tokens decrypted (each authenticated on its own); the seal is not checked. */
  private OAuthToken revealFields(OAuthToken raw, boolean allowPlain) {
    return raw.toBuilder()
        .accessToken(field(raw, raw.accessToken(), ACCESS, "access token", allowPlain))
        .refreshToken(field(raw, raw.refreshToken(), REFRESH, "refresh token", allowPlain))
        .grantToken(field(raw, raw.grantToken(), GRANT, "grant token", allowPlain))
        .clientSecret(EncryptedValues.isEncrypted(raw.clientSecret()) ? null : raw.clientSecret())
        .build();
  }

  private @Nullable String field(OAuthToken raw, @Nullable String value, byte[] ad, String what,
      boolean allowPlain) {
    if (value == null) {
      return null;
    }
    if (!EncryptedValues.isEncrypted(value)) {
      if (allowPlain) {
        return value;
      }
      throw new StoreException(ErrorCode.NOT_ENCRYPTED, "The " + what + " of record " + raw.id() + " is stored in "
          + "plain text, written without the keyring. It is not handed out. Encrypt it with 'tokenstore rekey "
          + "--encrypt-plaintext', or find what wrote it.");
    }
    return new String(decrypt(raw, value, ad, what, false), StandardCharsets.UTF_8);
  }

  private byte[] decrypt(OAuthToken raw, String value, byte[] ad, String what, boolean seal) {
    byte[] ct = bytesOrEmpty(value);
    long keyId = Keyring.keyIdOf(ct);
    if (ct.length == 0 || keyId < 0) {
      throw new StoreException(ErrorCode.DECRYPTION_FAILED, "The " + what + " of record " + raw.id() + " is not "
          + "a ciphertext of this format (damaged or cut short). It is not handed out; restore the record from a "
          + "backup, or delete it (by id) and authorize the user again.");
    }
    Keyring k = keyring;
    if (!k.hasKey(keyId)) {
      k = currentKeyring(); // a key added elsewhere (keys rotate) since this keyring was read
      if (!k.hasKey(keyId)) {
        throw new StoreException(ErrorCode.UNKNOWN_KEY, "The " + what + " of record " + raw.id() + " is encrypted "
            + "with key " + keyId + ", which " + keys.description() + " does not have (its keys: "
            + k.keys().stream().map(KeyInfo::id).toList() + "). Use the keyring this store was encrypted with.");
      }
    }
    try {
      return k.decrypt(ct, ad);
    } catch (GeneralSecurityException e) {
      if (seal) {
        throw new StoreException(ErrorCode.RECORD_MISMATCH, "The secrets of record " + raw.id() + " do not "
            + "belong to it: its seal does not fit its user name, client id, API domain and tokens (copied from "
            + "another record, or changed outside tokenstore). Nothing was handed out; restore the record from a "
            + "backup, or delete it (by id) and authorize the user again.");
      }
      throw new StoreException(ErrorCode.DECRYPTION_FAILED, "The " + what + " of record " + raw.id() + " failed "
          + "authentication with key " + keyId + " (the ciphertext was changed or cut short, or the key is not the "
          + "one that wrote it). Nothing was handed out; restore the record from a backup, or delete it (by id) "
          + "and authorize the user again.");
    }
  }

  /**
   * The associated data of a seal: what the record's secrets belong to (its user name, client id, API domain) and
   * the rest of what it holds (token ciphertexts, expiry, redirect URL), so that the seal changes with every write
   * and a compare-and-set on it covers the whole record. The issue time is left out: the file store keeps it in a
   * best-effort sidecar.
   */
  private static byte[] sealData(OAuthToken r, @Nullable String at, @Nullable String rt, @Nullable String gt) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(SEAL);
    String expiry = r.expiresAt() == null ? null : Long.toString(r.expiresAt().toEpochMilli());
    for (String s : new String[] {r.userName(), r.clientId(), r.apiDomain(), at, rt, gt, expiry, r.redirectUrl()}) {
      if (s == null) {
        out.write(0);
      } else {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(1);
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
      }
    }
    return out.toByteArray();
  }

  private static boolean onlyUnder(OAuthToken raw, long keyId) {
    for (String v : secretsOf(raw)) {
      if (!EncryptedValues.isEncrypted(v) || Keyring.keyIdOf(bytesOrEmpty(v)) != keyId) {
        return false;
      }
    }
    return EncryptedValues.isEncrypted(raw.clientSecret());
  }

  private static List<String> secretsOf(OAuthToken raw) {
    List<String> out = new ArrayList<>(4);
    for (String v : new String[] {raw.accessToken(), raw.refreshToken(), raw.grantToken(), raw.clientSecret()}) {
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  private static String text(byte[] ciphertext) {
    return EncryptedValues.PREFIX + B64.encodeToString(ciphertext);
  }

  /**
   * The ciphertext of a stored value, or no bytes (which fail authentication) for text that is not the canonical
   * encoding of some bytes: the JDK's decoder ignores the unused bits of the last character, so two texts would
   * otherwise decrypt alike, and a changed character would be a seal mismatch instead of a failed decryption.
   */
  private static byte[] bytesOrEmpty(String value) {
    String text = value.substring(EncryptedValues.PREFIX.length());
    try {
      byte[] bytes = UNB64.decode(text);
      return B64.encodeToString(bytes).equals(text) ? bytes : new byte[0];
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  @Override
  public String toString() {
    return "EncryptedTokenStore[" + delegate() + ", " + keyring + "]";
  }
}
