package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStoreException;
import dev.tokenstore.internal.ReplayedResponse;
import dev.tokenstore.internal.TokenEndpointClient;
import dev.tokenstore.internal.TokenEndpointClient.TokenReply;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Hands out valid access tokens: finds the stored token a partial token means, exchanges grant tokens,
 * refreshes before expiry, saves every result through the {@link TokenStore}, revokes and cleans up.
 *
 * <h2>Which token</h2>
 * {@link #getToken(OAuthToken)} takes any of the seed's flows: a grant token (with client id, secret and
 * redirect URL), a refresh token (with client id and secret), an access token only, an id only, or a user name
 * only. The stored record is found by the store's matching rules ({@link TokenStore}); a grant token without a
 * record is exchanged and saved as a new record; a refresh token without a record is refreshed and saved as a
 * new record; an access token without a record is handed back as it is (it cannot be refreshed); an id or user
 * name without a record is {@link ErrorCode#TOKEN_NOT_FOUND}.
 *
 * <h2>When the store is read and the server called</h2>
 * A token whose access token expires later than the refresh window (default five minutes) is handed out from
 * memory, without reading the store. The store is read when memory has no token for the query, when the token
 * enters the refresh window, and again right before calling the server: when a sibling (another manager,
 * process or machine) has already refreshed, its token is used and the server is not called.
 *
 * <h2>One refresh per expiry</h2>
 * Concurrent callers for the same stored record (whatever partial token they pass) share one call to the token
 * endpoint; the others wait for its result ({@link TokenEvent.Type#REFRESH_JOINED}). A caller whose access token
 * is still valid never waits: inside the refresh window, while a refresh is in flight, it gets the current
 * token. No lock is held across network I/O. Across managers sharing a store, the store's
 * {@link RefreshCoordinator} (see {@link RefreshCoordination}) decides who refreshes.
 *
 * <h2>Failures lose nothing</h2>
 * A failed refresh never changes the stored record. Transient failures (HTTP 5xx and 408, timeouts, refused or
 * reset connections) are retried by the {@link RetryPolicy}; throttling is {@link ErrorCode#THROTTLED} with a
 * retry hint, and further calls for that token fail fast until the hint has passed; {@code invalid_grant} and
 * {@code invalid_code} first reread the store (a sibling may have rotated the refresh token) and only then are
 * {@link ErrorCode#REAUTHORIZATION_REQUIRED}. When an early refresh (inside the window) fails while the access
 * token is still valid, the valid token is handed out, the failure is reported as an event, and the next
 * attempt waits at least 30 seconds (or the throttling hint).
 *
 * <p>Immutable and thread-safe once built; share one instance per store and environment.
 */
public final class TokenManager {
  private static final System.Logger LOG = System.getLogger(TokenManager.class.getName());
  private static final Duration EARLY_FAILURE_PAUSE = Duration.ofSeconds(30);
  private static final int MAX_ALIASES = 100_000;

  private final TokenStore store;
  private final Environment environment;
  private final Clock clock;
  private final Duration refreshWindow;
  private final long windowMillis;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final RetryPolicy retryPolicy;
  private final TokenEventListener listener;
  private final boolean fillUserName;
  private final RefreshCoordinator coordinator;
  private final Duration leaseTime;
  private final TokenEndpointClient client;

  /** Query key to the entry of the stored record it resolved to: the hot path's only lookup. */
  private final ConcurrentHashMap<TokenKey, Entry> aliases = new ConcurrentHashMap<>();
  /** Stored record id to its entry. */
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  /** Calls to the token endpoint in flight, by record id (or by query key for tokens not yet stored). */
  private final ConcurrentHashMap<Object, CompletableFuture<@Nullable OAuthToken>> inflight = new ConcurrentHashMap<>();

  private final LongAdder endpointCalls = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private final LongAdder refreshFailures = new LongAdder();
  private final LongAdder joins = new LongAdder();
  private final LongAdder siblingTokens = new LongAdder();
  private final LongAdder exchanges = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder throttledCount = new LongAdder();
  private final LongAdder revokes = new LongAdder();
  private final LongAdder storeReads = new LongAdder();
  private final LongAdder leaseWaits = new LongAdder();
  private final LongAdder leaseTakeovers = new LongAdder();
  private final LongAdder saveConflicts = new LongAdder();

  /** What memory knows of one stored record. */
  private static final class Entry {
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

  /** A token with its refresh time and expiry precomputed (epoch ms; Long.MAX_VALUE for "never"). */
  private record Snapshot(OAuthToken token, long refreshAt, long expiresAt) {}

  private TokenManager(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store");
    this.environment = Objects.requireNonNull(b.environment, "environment");
    this.clock = b.clock;
    this.refreshWindow = b.refreshWindow;
    this.windowMillis = b.refreshWindow.toMillis();
    this.requestTimeout = b.requestTimeout;
    this.http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.retryPolicy = b.retryPolicy;
    this.listener = b.listener;
    this.fillUserName = b.fillUserName;
    this.coordinator = b.coordinator != null ? b.coordinator
        : store.capability(RefreshCoordination.class).map(RefreshCoordination::refreshCoordinator)
            .orElseGet(RefreshCoordinator::inJvm);
    this.leaseTime = b.leaseTime;
    this.client = new TokenEndpointClient(http, requestTimeout);
  }

  /** A builder; {@link Builder#store} and {@link Builder#environment} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A manager with the same settings, store, HTTP client and coordinator but another environment, e.g. the one
   * {@link Environment#forAccountsServer(String)} names. Its memory is its own.
   */
  public TokenManager withEnvironment(Environment other) {
    Builder b = new Builder();
    b.store = store;
    b.environment = Objects.requireNonNull(other, "environment");
    b.clock = clock;
    b.refreshWindow = refreshWindow;
    b.httpClient = http;
    b.requestTimeout = requestTimeout;
    b.retryPolicy = retryPolicy;
    b.listener = listener;
    b.fillUserName = fillUserName;
    b.coordinator = coordinator;
    b.leaseTime = leaseTime;
    return new TokenManager(b);
  }

  public Environment environment() {
    return environment;
  }

  public TokenStore store() {
    return store;
  }

  // ------------------------------------------------------------------------------------------ get

  /**
   * The token {@code partial} means, with an access token valid for longer than the refresh window (or, while
   * a refresh is in flight or after a failed early refresh, at least still valid).
   *
   * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} for a partial token that names nothing or
   *     lacks what a call needs (client id); {@link ErrorCode#TOKEN_NOT_FOUND}; or an {@link OAuthException}
   */
  public OAuthToken getToken(OAuthToken partial) {
    Objects.requireNonNull(partial, "partial");
    TokenKey key = TokenKey.of(partial);
    Entry e = aliases.get(key);
    if (e != null) {
      Snapshot s = e.snap;
      if (s != null && clock.millis() < s.refreshAt) {
        return s.token;
      }
    }
    return slowGet(partial, key, e, null, false);
  }

  /**
   * Exchanges the authorization code of an {@link AuthorizationRequest} (PKCE): like {@link #getToken} with a
   * grant token, and sends {@code codeVerifier} ({@link AuthorizationRequest#codeVerifier()}) with the code.
   * {@code grant} carries the grant token, client id and secret, redirect URL and, optionally, the user name.
   * The result is saved through the store (merged into that user's record when the user name is given or
   * filled) and returned.
   *
   * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} without a grant token or client id; or an
   *     {@link OAuthException} (e.g. {@code invalid_code} for a used or expired code)
   */
  public OAuthToken exchange(OAuthToken grant, @Nullable String codeVerifier) {
    Objects.requireNonNull(grant, "grant");
    if (grant.grantToken() == null) {
      throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT,
          "exchange needs a grant token (the authorization code); " + TokenRules.describe(grant) + " has none.");
    }
    OAuthToken query = grant.toBuilder().id(null).userName(null).build();
    return exchangeShared(null, grant.toBuilder().id(null).build(), query, codeVerifier);
  }

  /** The access token of {@link #getToken(OAuthToken)}. */
  public String accessToken(OAuthToken partial) {
    OAuthToken t = getToken(partial);
    String access = t.accessToken();
    if (access == null) {
      throw new TokenStoreException(ErrorCode.TOKEN_NOT_FOUND,
          TokenRules.describe(t) + " has no access token. Authorize the application to get one.");
    }
    return access;
  }

  /**
   * Refreshes now, whatever the expiry, unless the stored token has changed since it was last handed out (a
   * sibling refreshed: that token is returned). Shares the call with concurrent callers. Until the hint of an
   * earlier throttling reply has passed, fails with {@link ErrorCode#THROTTLED} without calling the server.
   */
  public OAuthToken refresh(OAuthToken partial) {
    Objects.requireNonNull(partial, "partial");
    TokenKey key = TokenKey.of(partial);
    Entry e = aliases.get(key);
    Snapshot s = e == null ? null : e.snap;
    String seen = s != null ? s.token.accessToken() : null;
    if (seen == null && !(key instanceof TokenKey.None)) {
      storeReads.increment();
      seen = store.findToken(partial).map(OAuthToken::accessToken).orElse(partial.accessToken());
    }
    return slowGet(partial, key, e, seen, true);
  }

  private OAuthToken slowGet(
      OAuthToken partial, TokenKey key, @Nullable Entry e, @Nullable String rejectedAccess, boolean force) {
    if (key instanceof TokenKey.None) {
      throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT,
          "The partial token names no stored token and carries nothing to exchange: set an id, a user name, an "
              + "access token, a grant token or a refresh token.");
    }
    OAuthToken stored = null;
    if (e != null) {
      savePending(e);
      stored = readById(e.id);
      if (stored == null) {
        forget(e);
        e = null;
      } else if (e.unsaved != null) {
        stored = TokenRules.merge(stored, Objects.requireNonNull(e.unsaved)); // the store is behind memory
      }
    }
    if (stored == null) {
      storeReads.increment();
      stored = store.findToken(partial).orElse(null);
    }
    if (stored == null) {
      return withoutRecord(partial, key);
    }
    String id = Objects.requireNonNull(stored.id(), "a stored token has an id");
    Entry entry = e != null ? e : entryFor(id);
    remember(key, entry);
    Snapshot s = publish(entry, stored);
    long now = clock.millis();
    if (force && rejectedAccess != null && !rejectedAccess.equals(stored.accessToken()) && now < s.expiresAt) {
      siblingTokens.increment();
      return stored;
    }
    if (!force && now < s.refreshAt) {
      return stored;
    }
    boolean stillValid = stored.accessToken() != null && now < s.expiresAt;
    if (stillValid && !force && (inflight.containsKey(id) || now < entry.quietUntil)) {
      return stored;
    }
    OAuthToken creds = withCredentials(stored, partial);
    if (creds.refreshToken() != null) {
      if (now < entry.throttledUntil) {
        if (stillValid && !force) {
          return stored;
        }
        // A forced refresh (explicit, or after the API rejected this access token) must not hand back the
        // token it was asked to replace as if it were new.
        throw throttledLocally(entry, stored, now);
      }
      return refreshShared(entry, creds, stillValid && !force ? stored : null, force ? rejectedAccess : null);
    }
    if (creds.grantToken() != null && stored.accessToken() == null) {
      return exchangeShared(id, creds, partial);
    }
    if (stillValid || (stored.accessToken() != null && stored.expiresAt() == null)) {
      return stored;
    }
    throw new TokenStoreException(ErrorCode.REAUTHORIZATION_REQUIRED,
        TokenRules.describe(stored) + " has no refresh token and its access token "
            + (stored.accessToken() == null ? "is missing" : "expired at " + stored.expiresAt())
            + ". Authorize the application again (with access_type=offline to get a refresh token).");
  }

  /** No stored record for the query. */
  private OAuthToken withoutRecord(OAuthToken partial, TokenKey key) {
    if (key instanceof TokenKey.ById || key instanceof TokenKey.ByUser) {
      throw new TokenStoreException(ErrorCode.TOKEN_NOT_FOUND,
          "No stored token matches " + TokenRules.describe(partial) + " (" + key + ") in environment "
              + environment.name() + ". Authorize the application first, or check the id / user name.");
    }
    if (key instanceof TokenKey.ByAccessToken) {
      return partial;
    }
    if (key instanceof TokenKey.ByGrantToken) {
      return exchangeShared(null, partial, partial);
    }
    // a refresh token the store does not know: refresh it and keep the result as a new record
    return refreshUnstored(partial, key);
  }

  private static OAuthToken withCredentials(OAuthToken stored, OAuthToken partial) {
    OAuthToken.Builder b = stored.toBuilder();
    if (stored.clientId() == null) {
      b.clientId(partial.clientId());
    }
    if (stored.clientSecret() == null) {
      b.clientSecret(partial.clientSecret());
    }
    if (stored.redirectUrl() == null) {
      b.redirectUrl(partial.redirectUrl());
    }
    if (stored.grantToken() == null && stored.refreshToken() == null) {
      b.grantToken(partial.grantToken());
    }
    return b.build();
  }

  // ---------------------------------------------------------------------------------------- refresh

  private OAuthToken refreshShared(
      Entry entry, OAuthToken creds, @Nullable OAuthToken fallback, @Nullable String rejectedAccess) {
    CompletableFuture<@Nullable OAuthToken> mine = new CompletableFuture<>();
    CompletableFuture<@Nullable OAuthToken> running = inflight.putIfAbsent(entry.id, mine);
    if (running != null) {
      joins.increment();
      emit(TokenEvent.Type.REFRESH_JOINED, creds, 0, null, null);
      OAuthToken joined = await(running);
      if (joined == null) {
        throw new IllegalStateException("a refresh flight completed without a token");
      }
      return joined;
    }
    try {
      OAuthToken t = leaderRefresh(entry, creds, rejectedAccess);
      mine.complete(t);
      return t;
    } catch (RuntimeException ex) {
      mine.completeExceptionally(ex);
      long now = clock.millis();
      if (ex instanceof OAuthException oe && oe.code() == ErrorCode.THROTTLED) {
        entry.throttledUntil = now + oe.retryAfter().orElse(EARLY_FAILURE_PAUSE).toMillis();
      }
      if (fallback != null && fallback.accessToken() != null && !fallback.isExpired(Instant.ofEpochMilli(now),
          Duration.ZERO)) {
        Duration pause = ex instanceof OAuthException oe && oe.retryAfter().isPresent()
            ? oe.retryAfter().get() : EARLY_FAILURE_PAUSE;
        entry.quietUntil = now + pause.toMillis();
        LOG.log(System.Logger.Level.WARNING, () -> "Early refresh of " + TokenRules.describe(fallback)
            + " failed; the current access token stays in use until it expires: " + ex.getMessage());
        return fallback;
      }
      throw ex;
    } finally {
      inflight.remove(entry.id, mine);
    }
  }

  private OAuthToken leaderRefresh(Entry entry, OAuthToken creds, @Nullable String rejectedAccess) {
    RefreshIdentity identity = new RefreshIdentity(environment.name(), entry.id);
    long deadline = System.nanoTime() + leaseTime.toNanos() + requestTimeout.toNanos();
    RefreshLease lease;
    OAuthToken current;
    @Nullable OAuthToken expected; // what the store held, for the compare-and-set save; null: save plainly
    boolean waited = false;
    while (true) {
      lease = coordinator.tryAcquire(identity, leaseTime).orElse(null);
      savePending(entry);
      current = readById(entry.id);
      expected = current;
      OAuthToken pending = entry.unsaved;
      if (current != null && pending != null) {
        current = TokenRules.merge(current, pending); // the store is behind: the newest tokens are in memory
        expected = null;
      }
      if (current == null) {
        if (lease != null) {
          lease.close();
        }
        forget(entry);
        throw new TokenStoreException(ErrorCode.TOKEN_NOT_FOUND,
            TokenRules.describe(creds) + " was deleted from the store (revoked?) while it was being refreshed. "
                + "Authorize the application again if it is still needed.");
      }
      if (isFresh(current, rejectedAccess)) {
        if (lease != null) {
          lease.close();
        }
        return useSibling(entry, current);
      }
      if (lease != null) {
        break;
      }
      if (!waited) {
        waited = true;
        leaseWaits.increment();
        emit(TokenEvent.Type.LEASE_WAIT, current, 0, null, null);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new OAuthException(ErrorCode.SERVER_ERROR,
            "Another token manager holds the refresh lease of " + TokenRules.describe(current) + " and has not "
                + "refreshed within " + leaseTime.toSeconds() + " s. Retry later; check that process.",
            null, 0, Duration.ofSeconds(1), null);
      }
      sleep(Duration.ofMillis(20));
    }
    if (lease.tookOver()) {
      leaseTakeovers.increment();
      emit(TokenEvent.Type.LEASE_TAKEN_OVER, current, 0, null, null);
      LOG.log(System.Logger.Level.INFO, () -> "Took over the refresh lease of " + TokenRules.describe(creds)
          + ": its previous holder let it expire without releasing it (died or stalled mid-refresh?).");
    }
    try {
      OAuthToken base = withCredentials(current, creds);
      for (int round = 0; ; round++) {
        try {
          return refreshOnce(entry, base, expected);
        } catch (OAuthException ex) {
          if (ex.code() != ErrorCode.REAUTHORIZATION_REQUIRED) {
            failed(base, ex);
            throw ex;
          }
          // A sibling may have rotated the refresh token: reread before giving up.
          OAuthToken again = readById(entry.id);
          if (again != null && isFresh(again, rejectedAccess)
              && !Objects.equals(again.accessToken(), base.accessToken())) {
            return useSibling(entry, again);
          }
          if (round == 0 && again != null && again.refreshToken() != null
              && !again.refreshToken().equals(base.refreshToken())) {
            base = withCredentials(again, creds);
            expected = again;
            continue;
          }
          failed(base, ex);
          throw new OAuthException(ErrorCode.REAUTHORIZATION_REQUIRED,
              "The server no longer accepts the refresh token of " + TokenRules.describe(base) + " in "
                  + environment.name() + " ('" + ex.serverError().orElse("invalid_grant") + "'), and no other "
                  + "worker stored a newer one. The user must authorize the application again; the stored "
                  + "record was left unchanged.",
              ex.serverError().orElse(null), ex.httpStatus(), null, ex);
        }
      }
    } finally {
      lease.close();
    }
  }

  private OAuthToken refreshOnce(Entry entry, OAuthToken base, @Nullable OAuthToken expected) {
    String clientId = requireClientId(base);
    String refreshToken = Objects.requireNonNull(base.refreshToken());
    emit(TokenEvent.Type.REFRESH_STARTED, base, 0, null, null);
    long started = clock.millis();
    TokenReply r = withRetries(base, () -> client.refresh(environment, clientId, base.clientSecret(), refreshToken));
    OAuthToken update = OAuthToken.builder()
        .id(entry.id)
        .accessToken(r.accessToken())
        .refreshToken(r.refreshToken())
        .expiresAt(Instant.ofEpochMilli(started).plus(r.expiresIn()))
        .apiDomain(r.apiDomain())
        .build();
    OAuthToken saved;
    try {
      Optional<ConditionalSave> cas = expected != null ? store.capability(ConditionalSave.class) : Optional.empty();
      if (expected != null && cas.isPresent()) {
        Optional<OAuthToken> done = cas.get().saveTokenIf(expected, update);
        if (done.isEmpty()) {
          return lostSave(entry, base);
        }
        saved = done.get();
      } else {
        saved = store.saveToken(update);
      }
      entry.unsaved = null;
    } catch (TokenStoreException ex) {
      // The server has issued (and may have rotated) tokens: keep them in memory rather than lose them.
      saved = TokenRules.merge(base, update);
      entry.unsaved = update;
      OAuthToken kept = saved;
      LOG.log(System.Logger.Level.ERROR, () -> "Could not save " + TokenRules.describe(kept) + " after refreshing it"
          + "; it is kept in memory, handed out, and saved again on the next call: " + ex.getMessage());
    }
    publishFresh(entry, saved);
    entry.quietUntil = 0;
    refreshes.increment();
    emit(TokenEvent.Type.REFRESH_SUCCEEDED, saved, 0, null, null);
    return saved;
  }

  /**
   * The compare-and-set save of a refresh result was refused: another refresher saved a newer token while this
   * one's lease had lapsed. The stored token wins (with rotation it holds the newest valid refresh token).
   */
  private OAuthToken lostSave(Entry entry, OAuthToken base) {
    saveConflicts.increment();
    emit(TokenEvent.Type.SAVE_CONFLICT, base, 0, null, null);
    LOG.log(System.Logger.Level.INFO, () -> "The refreshed token of " + TokenRules.describe(base) + " was not "
        + "saved: another refresher stored a newer one meanwhile, which is used instead.");
    OAuthToken newer = readById(entry.id);
    if (newer == null) {
      forget(entry);
      throw new TokenStoreException(ErrorCode.TOKEN_NOT_FOUND,
          TokenRules.describe(base) + " was deleted from the store (revoked?) while it was being refreshed. "
              + "Authorize the application again if it is still needed.");
    }
    refreshes.increment();
    return useSibling(entry, newer);
  }

  /** Saves a refresh result that a failed save left in memory; leaves it pending if the store still fails. */
  private void savePending(Entry e) {
    OAuthToken pending = e.unsaved;
    if (pending == null) {
      return;
    }
    try {
      OAuthToken saved = store.saveToken(pending);
      if (e.unsaved == pending) {
        e.unsaved = null;
      }
      publish(e, saved);
    } catch (TokenStoreException ex) {
      LOG.log(System.Logger.Level.WARNING, () -> "The store still cannot save the refreshed token id " + e.id
          + "; it stays in memory: " + ex.getMessage());
    }
  }

  private void failed(OAuthToken token, OAuthException ex) {
    refreshFailures.increment();
    emit(TokenEvent.Type.REFRESH_FAILED, token, 0, null, ex);
  }

  private OAuthToken useSibling(Entry entry, OAuthToken current) {
    siblingTokens.increment();
    publish(entry, current);
    emit(TokenEvent.Type.SIBLING_TOKEN_USED, current, 0, null, null);
    return current;
  }

  private boolean isFresh(OAuthToken t, @Nullable String rejectedAccess) {
    if (t.accessToken() == null) {
      return false;
    }
    if (rejectedAccess != null) {
      return !rejectedAccess.equals(t.accessToken()) && !t.isExpired(clock.instant(), Duration.ZERO);
    }
    return !t.isExpired(clock.instant(), refreshWindow);
  }

  /** A refresh token that no record holds: refresh it (once per JVM) and store the result as a new record. */
  private OAuthToken refreshUnstored(OAuthToken partial, TokenKey key) {
    return shared(key, partial, partial, () -> {
      OAuthToken again = store.findToken(partial).orElse(null);
      storeReads.increment();
      if (again != null) {
        return null;
      }
      String clientId = requireClientId(partial);
      String refreshToken = Objects.requireNonNull(partial.refreshToken());
      emit(TokenEvent.Type.REFRESH_STARTED, partial, 0, null, null);
      long started = clock.millis();
      TokenReply r;
      try {
        r = withRetries(partial,
            () -> client.refresh(environment, clientId, partial.clientSecret(), refreshToken));
      } catch (OAuthException ex) {
        failed(partial, ex);
        throw ex;
      }
      OAuthToken full = partial.toBuilder()
          .accessToken(r.accessToken())
          .refreshToken(r.refreshToken() != null ? r.refreshToken() : refreshToken)
          .expiresAt(Instant.ofEpochMilli(started).plus(r.expiresIn()))
          .apiDomain(r.apiDomain() != null ? r.apiDomain()
              : partial.apiDomain() != null ? partial.apiDomain() : environment.apiDomain())
          .build();
      OAuthToken saved = store.saveToken(full);
      if (fillUserName && saved.userName() == null) {
        saved = fillUser(saved);
      }
      refreshes.increment();
      Entry entry = entryFor(Objects.requireNonNull(saved.id()));
      publish(entry, saved);
      remember(key, entry);
      emit(TokenEvent.Type.REFRESH_SUCCEEDED, saved, 0, null, null);
      return saved;
    });
  }

  // --------------------------------------------------------------------------------------- exchange

  private OAuthToken exchangeShared(@Nullable String id, OAuthToken creds, OAuthToken partial) {
    return exchangeShared(id, creds, partial, null);
  }

  private OAuthToken exchangeShared(
      @Nullable String id, OAuthToken creds, OAuthToken partial, @Nullable String codeVerifier) {
    Object flightKey = id != null ? id : TokenKey.of(partial);
    return shared(flightKey, partial, creds, () -> {
      OAuthToken base = creds;
      if (id != null) {
        OAuthToken current = readById(id);
        if (current != null && (current.accessToken() != null || current.refreshToken() != null)) {
          return null; // exchanged meanwhile by a sibling: every caller starts over
        }
        if (current != null) {
          base = withCredentials(current, creds);
        }
      } else {
        storeReads.increment();
        OAuthToken current = store.findToken(partial).orElse(null);
        if (current != null) {
          return null;
        }
      }
      String clientId = requireClientId(base);
      String code = Objects.requireNonNull(base.grantToken());
      String secret = base.clientSecret();
      String redirect = base.redirectUrl();
      long started = clock.millis();
      TokenReply r;
      try {
        r = withRetries(base, () -> client.exchange(environment, clientId, secret, redirect, code, codeVerifier));
      } catch (OAuthException ex) {
        emit(TokenEvent.Type.EXCHANGE_FAILED, base, 0, null, ex);
        throw ex;
      }
      OAuthToken full = base.toBuilder()
          .accessToken(r.accessToken())
          .refreshToken(r.refreshToken())
          .expiresAt(Instant.ofEpochMilli(started).plus(r.expiresIn()))
          .apiDomain(r.apiDomain() != null ? r.apiDomain()
              : base.apiDomain() != null ? base.apiDomain() : environment.apiDomain())
          .build();
      OAuthToken saved = store.saveToken(full);
      if (fillUserName && saved.userName() == null) {
        saved = fillUser(saved);
      }
      exchanges.increment();
      Entry entry = entryFor(Objects.requireNonNull(saved.id()));
      publish(entry, saved);
      remember(TokenKey.of(partial), entry);
      emit(TokenEvent.Type.EXCHANGED, saved, 0, null, null);
      return saved;
    });
  }

  /**
   * Fills the user name from {@code users?type=CurrentUser}. If that user already has a record for this client
   * and API domain, the new tokens go into that record and the new one is deleted. A failed lookup leaves the
   * token without a user name (logged), never loses it.
   */
  private OAuthToken fillUser(OAuthToken saved) {
    String email;
    try {
      String api = saved.apiDomain() != null ? saved.apiDomain() : environment.apiDomain();
      email = client.currentUserEmail(environment, api, Objects.requireNonNull(saved.accessToken()));
    } catch (OAuthException ex) {
      LOG.log(System.Logger.Level.WARNING, () -> "Could not fill the user name of " + TokenRules.describe(saved)
          + "; the token is saved without it: " + ex.getMessage());
      return saved;
    }
    if (email == null) {
      return saved;
    }
    try {
      OAuthToken named = store.saveToken(OAuthToken.builder().id(saved.id()).userName(email).build());
      emit(TokenEvent.Type.USER_NAME_FILLED, named, 0, null, null);
      return named;
    } catch (TokenStoreException ex) {
      if (ex.code() != ErrorCode.DUPLICATE_TOKEN) {
        throw ex;
      }
      OAuthToken existing = store.findToken(OAuthToken.builder().userName(email).clientId(saved.clientId())
          .apiDomain(saved.apiDomain()).build()).orElseThrow(() -> ex);
      OAuthToken merged = store.saveToken(saved.toBuilder().id(existing.id()).userName(email).build());
      store.deleteToken(Objects.requireNonNull(saved.id()));
      Entry old = entries.get(saved.id());
      if (old != null) {
        forget(old);
      }
      emit(TokenEvent.Type.USER_NAME_FILLED, merged, 0, null, null);
      return merged;
    }
  }

  // ----------------------------------------------------------------------------------------- revoke

  /**
   * Revokes the token {@code partial} means at the server (its refresh token, else its access token; by
   * Zoho's revoke endpoint or RFC 7009) and deletes its record. Idempotent: a token the server no longer knows
   * counts as revoked, and a record already gone is fine.
   *
   * @return whether anything was revoked or deleted
   * @throws OAuthException when the server cannot be reached (after retries) or throttles; the record is kept
   *     so the revocation can be retried
   */
  public boolean revoke(OAuthToken partial) {
    Objects.requireNonNull(partial, "partial");
    TokenKey key = TokenKey.of(partial);
    if (key instanceof TokenKey.None) {
      throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT,
          "The partial token names no stored token and no token to revoke: set an id, a user name or a token.");
    }
    storeReads.increment();
    OAuthToken stored = store.findToken(partial).orElse(null);
    OAuthToken target = stored != null ? withCredentials(stored, partial) : partial;
    boolean revoked = revokeAtServer(target);
    boolean deleted = false;
    if (stored != null) {
      String id = Objects.requireNonNull(stored.id());
      deleted = store.deleteToken(id);
      Entry e = entries.get(id);
      if (e != null) {
        forget(e);
      }
    }
    aliases.remove(key);
    if (revoked || deleted) {
      revokes.increment();
      emit(TokenEvent.Type.REVOKED, target, 0, null, null);
    }
    return revoked || deleted;
  }

  private boolean revokeAtServer(OAuthToken t) {
    String token = t.refreshToken() != null ? t.refreshToken() : t.accessToken();
    if (token == null) {
      return false;
    }
    if (environment.revokeUrl().isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, () -> "Environment " + environment.name() + " has no revoke URL; "
          + TokenRules.describe(t) + " is deleted locally only and stays valid at the server until it expires.");
      return false;
    }
    String hint = t.refreshToken() != null ? "refresh_token" : "access_token";
    withRetries(t, () -> {
      client.revoke(environment, token, hint, t.clientId(), t.clientSecret());
      return Boolean.TRUE;
    });
    return true;
  }

  // ---------------------------------------------------------------------------------------- cleanup

  /**
   * Applies {@code policy} to every stored record: revokes and deletes idle tokens, stamps and later deletes
   * records of grant tokens never exchanged (see {@link CleanupPolicy} for the definitions). A record whose
   * revocation fails is kept and reported in {@link CleanupReport#failed()}.
   */
  public CleanupReport cleanup(CleanupPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Instant now = clock.instant();
    List<String> revoked = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    List<String> stamped = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    storeReads.increment();
    for (OAuthToken t : store.getTokens()) {
      String id = Objects.requireNonNull(t.id());
      boolean unexchanged = t.grantToken() != null && t.accessToken() == null && t.refreshToken() == null;
      if (unexchanged) {
        Duration life = policy.grantLifetime();
        if (life == null) {
          continue;
        }
        if (t.expiresAt() == null) {
          store.saveToken(OAuthToken.builder().id(id).expiresAt(now.plus(life)).build());
          stamped.add(id);
        } else if (!t.expiresAt().isAfter(now)) {
          delete(id, t, deleted);
        }
        continue;
      }
      Duration idle = policy.idleAfter();
      if (idle == null || t.expiresAt() == null || !t.expiresAt().plus(idle).isBefore(now)) {
        continue;
      }
      if (policy.revokeIdle() && t.refreshToken() != null) {
        try {
          if (revokeAtServer(t)) {
            revoked.add(id);
            revokes.increment();
            emit(TokenEvent.Type.REVOKED, t, 0, null, null);
          }
        } catch (TokenStoreException ex) {
          LOG.log(System.Logger.Level.WARNING, () -> "Cleanup could not revoke " + TokenRules.describe(t)
              + "; kept for the next run: " + ex.getMessage());
          failed.add(id);
          continue;
        }
      }
      delete(id, t, deleted);
    }
    return new CleanupReport(revoked, deleted, stamped, failed);
  }

  private void delete(String id, OAuthToken t, List<String> deleted) {
    if (store.deleteToken(id)) {
      deleted.add(id);
      emit(TokenEvent.Type.CLEANUP_DELETED, t, 0, null, null);
    }
    Entry e = entries.get(id);
    if (e != null) {
      forget(e);
    }
  }

  // ------------------------------------------------------------------------------ authenticated calls

  /**
   * Sends {@code request} with the {@code Authorization} header of this environment ({@code Zoho-oauthtoken}
   * or {@code Bearer}) and the access token {@link #getToken(OAuthToken)} gives. When the API answers 401 with
   * Zoho's {@code INVALID_TOKEN} or {@code AUTHENTICATION_FAILURE} (or an RFC 6750 {@code invalid_token}
   * challenge), the token is refreshed once (shared with concurrent callers) and the request sent once more.
   * The builder is copied, not changed. Any other response is returned as it is.
   */
  public <T> HttpResponse<T> send(OAuthToken partial, HttpRequest.Builder request, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(handler, "handler");
    OAuthToken t = getToken(partial);
    String access = requireAccess(t);
    BodyHandler<Object> probe = info -> info.statusCode() == 401
        ? BodySubscribers.mapping(BodySubscribers.ofByteArray(), Buffered::new)
        : BodySubscribers.mapping(handler.apply(info), x -> x);
    HttpResponse<Object> first = http.send(authorized(request, access), probe);
    if (!(first.body() instanceof Buffered buffered)) {
      @SuppressWarnings("unchecked")
      HttpResponse<T> plain = (HttpResponse<T>) first;
      return plain;
    }
    if (!isInvalidToken(first, buffered.bytes)) {
      return ReplayedResponse.replay(first, buffered.bytes, handler);
    }
    TokenKey key = TokenKey.of(partial);
    Entry e = aliases.get(key);
    OAuthToken fresh = slowGet(partial, key, e, access, true);
    return http.send(authorized(request, requireAccess(fresh)), handler);
  }

  private record Buffered(byte[] bytes) {}

  private HttpRequest authorized(HttpRequest.Builder request, String access) {
    return request.copy().setHeader("Authorization", environment.authorizationScheme() + " " + access).build();
  }

  private static String requireAccess(OAuthToken t) {
    String a = t.accessToken();
    if (a == null) {
      throw new TokenStoreException(ErrorCode.TOKEN_NOT_FOUND,
          TokenRules.describe(t) + " has no access token. Authorize the application to get one.");
    }
    return a;
  }

  private static boolean isInvalidToken(HttpResponse<?> r, byte[] body) {
    for (String h : r.headers().allValues("WWW-Authenticate")) {
      if (h.toLowerCase(Locale.ROOT).contains("invalid_token")) {
        return true;
      }
    }
    Map<String, String> m = TokenEndpointClient.parseFlat(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    if (m == null) {
      return false;
    }
    String code = m.getOrDefault("code", m.get("error"));
    return code != null && (code.equalsIgnoreCase("INVALID_TOKEN") || code.equalsIgnoreCase("AUTHENTICATION_FAILURE")
        || code.equalsIgnoreCase("invalid_token"));
  }

  // --------------------------------------------------------------------------------------- metrics

  /** The counters so far. */
  public TokenManagerMetrics metrics() {
    return new TokenManagerMetrics(endpointCalls.sum(), refreshes.sum(), refreshFailures.sum(), joins.sum(),
        siblingTokens.sum(), exchanges.sum(), retries.sum(), throttledCount.sum(), revokes.sum(), storeReads.sum(),
        leaseWaits.sum(), leaseTakeovers.sum(), saveConflicts.sum());
  }

  @Override
  public String toString() {
    return "TokenManager{" + environment.name() + ", store=" + store + ", refreshWindow=" + refreshWindow + "}";
  }

  // --------------------------------------------------------------------------------------- helpers

  private <T> T withRetries(OAuthToken about, Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      endpointCalls.increment();
      try {
        return call.get();
      } catch (OAuthException ex) {
        if (ex.code() == ErrorCode.THROTTLED) {
          throttledCount.increment();
          emit(TokenEvent.Type.THROTTLED, about, attempt, ex.retryAfter().orElse(null), ex);
          throw ex;
        }
        if (ex.code() != ErrorCode.SERVER_ERROR || Thread.currentThread().isInterrupted()) {
          throw ex;
        }
        if (attempt >= retryPolicy.maxAttempts()) {
          if (attempt == 1) {
            throw ex;
          }
          throw new OAuthException(ErrorCode.SERVER_ERROR,
              stripCode(ex.getMessage()) + " (" + attempt + " attempts made; nothing was changed)",
              ex.serverError().orElse(null), ex.httpStatus(), ex.retryAfter().orElse(null), ex);
        }
        Duration delay = retryPolicy.backoff(attempt);
        retries.increment();
        emit(TokenEvent.Type.RETRY, about, attempt + 1, delay, ex);
        if (!sleep(delay)) {
          throw ex;
        }
      }
    }
  }

  private static String stripCode(@Nullable String message) {
    if (message == null) {
      return "";
    }
    int i = message.indexOf("] ");
    return message.startsWith("[") && i > 0 ? message.substring(i + 2) : message;
  }

  private static boolean sleep(Duration d) {
    try {
      Thread.sleep(Math.max(0, d.toMillis()));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Runs {@code work} once for concurrent callers with the same key. When the work finds the record was
   * created meanwhile it returns null, and every caller starts over with {@link #getToken} (outside the flight,
   * so that the record's own flight is never awaited from inside this one).
   */
  private OAuthToken shared(
      Object flightKey, OAuthToken partial, OAuthToken about, Supplier<@Nullable OAuthToken> work) {
    CompletableFuture<@Nullable OAuthToken> mine = new CompletableFuture<>();
    CompletableFuture<@Nullable OAuthToken> running = inflight.putIfAbsent(flightKey, mine);
    OAuthToken result;
    if (running != null) {
      joins.increment();
      emit(TokenEvent.Type.REFRESH_JOINED, about, 0, null, null);
      result = await(running);
    } else {
      try {
        result = work.get();
        mine.complete(result);
      } catch (RuntimeException ex) {
        mine.completeExceptionally(ex);
        throw ex;
      } finally {
        inflight.remove(flightKey, mine);
      }
    }
    return result != null ? result : getToken(partial);
  }

  private static @Nullable OAuthToken await(CompletableFuture<@Nullable OAuthToken> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenStoreException(ErrorCode.SERVER_ERROR,
          "Interrupted while waiting for a refresh in flight; the refresh goes on in its own thread.", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new TokenStoreException(ErrorCode.SERVER_ERROR, "The refresh in flight failed.", c);
    }
  }

  private TokenStoreException throttledLocally(Entry entry, OAuthToken t, long now) {
    Duration wait = Duration.ofMillis(Math.max(0, entry.throttledUntil - now));
    return new OAuthException(ErrorCode.THROTTLED,
        "The server throttled refreshes of " + TokenRules.describe(t) + " in " + environment.name()
            + "; not calling it again for " + wait.toSeconds() + " s. Retry after that.",
        null, 0, wait, null);
  }

  private static String requireClientId(OAuthToken t) {
    String id = t.clientId();
    if (id == null) {
      throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT,
          "Cannot call the token endpoint for " + TokenRules.describe(t) + ": it has no client id. Pass the client "
              + "id and secret with the token, or store them in its record.");
    }
    return id;
  }

  private @Nullable OAuthToken readById(String id) {
    storeReads.increment();
    return store.findTokenById(id).orElse(null);
  }

  private Entry entryFor(String id) {
    return entries.computeIfAbsent(id, Entry::new);
  }

  private void remember(TokenKey key, Entry entry) {
    if (key instanceof TokenKey.None) {
      return;
    }
    if (aliases.size() >= MAX_ALIASES) {
      aliases.clear();
    }
    aliases.put(key, entry);
  }

  private void forget(Entry e) {
    entries.remove(e.id, e);
    aliases.values().removeIf(x -> x == e);
  }

  /** Publishes {@code t} as the entry's token unless memory already holds a later one. */
  /**
   * Makes {@code t} what memory hands out for {@code entry}, unless memory already holds a token for the same
   * refresh token that lives longer ({@code t} is then a stale read).
   */
  private Snapshot publish(Entry entry, OAuthToken t) {
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
  private void publishFresh(Entry entry, OAuthToken t) {
    entry.snap = snapshot(t);
  }

  private Snapshot snapshot(OAuthToken t) {
    long expires = t.accessToken() == null ? Long.MIN_VALUE
        : t.expiresAt() == null ? Long.MAX_VALUE : t.expiresAt().toEpochMilli();
    long refreshAt = expires == Long.MAX_VALUE || expires == Long.MIN_VALUE ? expires : expires - windowMillis;
    return new Snapshot(t, refreshAt, expires);
  }

  private void emit(
      TokenEvent.Type type, OAuthToken about, int attempt, @Nullable Duration delay, @Nullable Throwable error) {
    if (listener == TokenEventListener.NONE) {
      return;
    }
    try {
      listener.onEvent(new TokenEvent(type, environment.name(), about.id(), about.userName(), attempt, delay, error));
    } catch (RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "A token event listener failed on " + type + "; ignored.", ex);
    }
  }

  /** Builds a {@link TokenManager}. Not thread-safe; the built manager is. */
  public static final class Builder {
    private @Nullable TokenStore store;
    private @Nullable Environment environment;
    private Clock clock = Clock.systemUTC();
    private Duration refreshWindow = Duration.ofMinutes(5);
    private @Nullable HttpClient httpClient;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private TokenEventListener listener = TokenEventListener.NONE;
    private boolean fillUserName;
    private @Nullable RefreshCoordinator coordinator;
    private Duration leaseTime = Duration.ofSeconds(60);

    private Builder() {}

    /** Where tokens are kept. Required. */
    public Builder store(TokenStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The authorization server and API. Required. */
    public Builder environment(Environment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** The clock for expiry times; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long before expiry a token is refreshed; default five minutes. */
    public Builder refreshWindow(Duration refreshWindow) {
      this.refreshWindow = nonNegative(refreshWindow, "refreshWindow");
      return this;
    }

    /** The HTTP client; default a new one with {@link #connectTimeout} and no redirects followed. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** Connect timeout of the default HTTP client; default 10 s. Ignored with {@link #httpClient}. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive(connectTimeout, "connectTimeout");
      return this;
    }

    /** Timeout of each request to the authorization server; default 30 s. */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = positive(requestTimeout, "requestTimeout");
      return this;
    }

    /** Retries of transient failures; default {@link RetryPolicy#DEFAULT}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** Receives {@link TokenEvent}s; default none. */
    public Builder listener(TokenEventListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Whether to fill the user name after an exchange from Zoho CRM's {@code users?type=CurrentUser}, as Zoho's
     * SDK does; default false.
     */
    public Builder fillUserName(boolean fillUserName) {
      this.fillUserName = fillUserName;
      return this;
    }

    /** Who may refresh across managers; default the store's (see {@link RefreshCoordination}) or in-JVM. */
    public Builder refreshCoordinator(RefreshCoordinator coordinator) {
      this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
      return this;
    }

    /** How long a refresh lease lasts; default 60 s. */
    public Builder leaseTime(Duration leaseTime) {
      this.leaseTime = positive(leaseTime, "leaseTime");
      return this;
    }

    /**
     * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} without a store or environment
     */
    public TokenManager build() {
      if (store == null || environment == null) {
        throw new TokenStoreException(ErrorCode.INVALID_ARGUMENT,
            "A token manager needs a store and an environment: call store(...) and environment(...).");
      }
      return new TokenManager(this);
    }

    private static Duration nonNegative(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative");
      }
      return d;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }
  }
}
