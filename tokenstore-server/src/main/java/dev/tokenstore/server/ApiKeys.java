package dev.tokenstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.EntryTable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API keys of {@code tokenstore serve}, kept in the token store itself (its {@link EntryTable}) so that every
 * instance on that store sees the same keys. Only each key's SHA-256 is stored: a key is 256 random bits, so a
 * fast hash is as strong as a slow one and costs one microsecond per request. A key is shown once, by
 * {@link #create}.
 *
 * <p>{@link #authenticate} answers from a snapshot of the keys, read again when it is older than {@code maxAge}
 * (one second by default) and when a key is not in it (though never more than ten times a second: a miss may wait
 * up to 0.1 s): a key made by another instance or by {@code tokenstore api-keys create} works at once, and a
 * revoked key stops working on every instance within {@code maxAge}.
 *
 * <p>Thread-safe.
 */
public final class ApiKeys {
  /** The {@link EntryTable} kind of API keys. */
  public static final String KIND = "api-key";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final String PREFIX = "tsk_";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIN_RELOAD_MILLIS = 100;
  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");

  private final EntryTable entries;
  private final Clock clock;
  private final long maxAgeMillis;
  private final SecureRandom random = new SecureRandom();
  private final Object reloadLock = new Object();
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Long.MIN_VALUE / 2);

  private record Snapshot(Map<String, ApiKey> byHash, long readAt) {}

  private ApiKeys(EntryTable entries, Clock clock, Duration maxAge) {
    this.entries = entries;
    this.clock = clock;
    this.maxAgeMillis = maxAge.toMillis();
  }

  /**
   * The API keys of {@code store}.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when the store cannot keep entries (a store of
   *     its own that does not offer {@link EntryTable})
   */
  public static ApiKeys of(TokenStore store) {
    return of(store, Clock.systemUTC(), Duration.ofSeconds(1));
  }

  /** {@link #of(TokenStore)} with a clock and the age after which the snapshot is read again. */
  public static ApiKeys of(TokenStore store, Clock clock, Duration maxAge) {
    EntryTable table = store.capability(EntryTable.class).orElseThrow(() -> new TokenstoreException(
        ErrorCode.INVALID_ARGUMENT, "This store cannot keep API keys: it offers no EntryTable (a store of your "
            + "own, or a decorator that hides it). The built-in stores do: sqlite:, file:, postgresql://, mysql://, "
            + "redis://, memory:."));
    if (maxAge.isNegative()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "maxAge must not be negative.");
    }
    return new ApiKeys(table, Objects.requireNonNull(clock, "clock"), maxAge);
  }

  /**
   * Makes a key named {@code name} with {@code scope} and stores its hash. The returned {@link NewApiKey} holds
   * the key: the only time it is known.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} for a malformed name or a name already used
   */
  public NewApiKey create(String name, ApiScope scope) {
    requireName(name);
    Objects.requireNonNull(scope, "scope");
    byte[] raw = new byte[32];
    random.nextBytes(raw);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    ObjectNode value = JSON.createObjectNode()
        .put("sha256", sha256(key))
        .put("scope", scope.label())
        .put("created", clock.instant().toString())
        .put("fingerprint", Secrets.fingerprint(key));
    if (!entries.insert(KIND, name, value.toString())) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An API key named '" + name + "' exists already. "
          + "Choose another name, or revoke it first: tokenstore api-keys revoke " + name);
    }
    return new NewApiKey(name, key, scope);
  }

  /**
   * Writes a small entry (this kind's neighbour {@code tokenstore.probe}): the check of {@code /readyz} that the
   * store takes writes, which refreshes need.
   */
  public void probeWrite() {
    entries.put("tokenstore.probe", "readyz", clock.instant().toString());
  }

  /** Every key, by name. */
  public List<ApiKey> list() {
    List<ApiKey> keys = new ArrayList<>();
    for (Map.Entry<String, String> e : entries.list(KIND).entrySet()) {
      keys.add(parse(e.getKey(), e.getValue()).key());
    }
    return keys;
  }

  /** Deletes the key named {@code name}; returns whether it existed. It stops working at once on this instance. */
  public boolean revoke(String name) {
    requireName(name);
    boolean existed = entries.remove(KIND, name);
    reload();
    return existed;
  }

  /**
   * The key {@code presented} (the text after {@code Bearer }), if it is a stored key. Compares hashes, so the
   * time taken tells nothing about the stored keys.
   */
  public Optional<ApiKey> authenticate(String presented) {
    if (!presented.startsWith(PREFIX) || presented.length() > 100) {
      return Optional.empty();
    }
    String hash = sha256(presented);
    Snapshot s = snapshot;
    long now = clock.millis();
    if (now - s.readAt() > maxAgeMillis) {
      s = reloadIfOlder(now - maxAgeMillis);
    }
    ApiKey found = s.byHash().get(hash);
    if (found == null) {
      found = reloadAfter(s.readAt()).byHash().get(hash);
    }
    return Optional.ofNullable(found);
  }

  /**
   * A snapshot read after {@code seen}: the current one if another thread read it since, else one read now, but
   * no sooner than {@link #MIN_RELOAD_MILLIS} after the last read (a new key works at once; wrong keys cannot make
   * the store be read more than ten times a second).
   */
  private Snapshot reloadAfter(long seen) {
    synchronized (reloadLock) {
      Snapshot s = snapshot;
      if (s.readAt() > seen) {
        return s;
      }
      long wait = s.readAt() + MIN_RELOAD_MILLIS - clock.millis();
      if (wait > 0) {
        try {
          reloadLock.wait(Math.min(wait, MIN_RELOAD_MILLIS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return s;
        }
      }
      return reload();
    }
  }

  private Snapshot reloadIfOlder(long before) {
    synchronized (reloadLock) {
      Snapshot s = snapshot;
      return s.readAt() >= before ? s : reload();
    }
  }

  private Snapshot reload() {
    synchronized (reloadLock) {
      long at = clock.millis();
      Map<String, ApiKey> byHash = new HashMap<>();
      for (Map.Entry<String, String> e : entries.list(KIND).entrySet()) {
        try {
          Parsed p = parse(e.getKey(), e.getValue());
          byHash.put(p.hash(), p.key());
        } catch (StoreException malformed) { // one damaged entry must not refuse every other key
          LOG.log(System.Logger.Level.WARNING, malformed.getMessage());
        }
      }
      Snapshot s = new Snapshot(Map.copyOf(byHash), at);
      snapshot = s;
      return s;
    }
  }

  private record Parsed(String hash, ApiKey key) {}

  private static Parsed parse(String name, String value) {
    try {
      JsonNode n = JSON.readTree(value);
      String hash = n.path("sha256").asText("");
      if (hash.length() != 64) {
        throw new IllegalArgumentException("no sha256");
      }
      return new Parsed(hash, new ApiKey(name, ApiScope.of(n.path("scope").asText("")),
          Instant.parse(n.path("created").asText("")), n.path("fingerprint").asText("")));
    } catch (Exception e) { // malformed JSON, scope or time: the entry was not written by this class
      throw new StoreException(ErrorCode.CORRUPT_STORE, "The stored API key '" + Secrets.shorten(name) + "' is "
          + "malformed (" + e.getClass().getSimpleName() + "). Revoke it (tokenstore api-keys revoke NAME) and "
          + "create it again.", e);
    }
  }

  private static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An API key name is 1 to 64 letters, digits, '.', "
          + "'_' or '-', starting with a letter or digit"
          + (name == null ? "." : "; '" + Secrets.shorten(name) + "' is not."));
    }
  }

  static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "ApiKeys[" + entries.getClass().getSimpleName() + "]";
  }
}
