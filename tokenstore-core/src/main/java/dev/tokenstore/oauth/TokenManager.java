package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.HandOutCache.Entry;
import dev.tokenstore.oauth.HandOutCache.Snapshot;
import dev.tokenstore.spi.EncryptedValues;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 * A token whose access token expires later than its refresh window is handed out from memory, without reading
 * the store. The window is {@link Builder#refreshWindow} (default five minutes), shortened to half of the access
 * token's lifetime for short-lived tokens (see there), so a token is never refreshed while more than half of its
 * lifetime remains. The store is read when memory has no token for the query, when the token
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
 * attempt waits at least 30 seconds (or the throttling hint). A successful reply that is not a valid token (an
 * empty or blank access or refresh token, an {@code expires_in} that is not a number of seconds from 1 to ten
 * years, an {@code api_domain} that is not an http(s) URL) is {@link ErrorCode#PROTOCOL_ERROR} and changes
 * nothing, for refreshes and exchanges alike.
 *
 * <h2>When the store cannot save a result</h2>
 * Once the server has answered a refresh, its result must not be lost: the server may have rotated the refresh
 * token, so the stored one no longer works. When the store fails to save a refresh result (a
 * {@link StoreException}, e.g. a database that went away), the manager keeps the new tokens in memory, hands them
 * out, and saves them again before it next relies on the store (on the next call that reads the store, and before
 * any later refresh of that token); it reports the failure as a {@link TokenEvent.Type#SAVE_FAILED} event (with the
 * store's failure), counts it in {@link TokenManagerMetrics#saveFailures()}, and logs it. {@link #unsavedTokenIds()}
 * lists the records whose newest tokens are held in memory only; {@link #saveUnsaved()} saves them, or throws
 * while the store still fails; call it before a long-running process ends (e.g. in a shutdown hook).
 *
 * <p>That default suits long-running applications, which keep working while the store is down. A short-lived
 * process (a command-line tool, a batch job) ends with the only copy of the new tokens: build its manager with
 * {@link Builder#requireSaved(boolean) requireSaved(true)}: before each refresh the store must then take a write of
 * the record as it is (a compare-and-set that changes nothing), so a store that cannot write fails the call before
 * the server is asked for tokens it might rotate; and the call whose refresh result still could not be saved
 * throws {@link StoreException} {@link ErrorCode#TOKEN_NOT_SAVED}, whose cause is the store's failure and whose
 * message says that the refresh happened at the server (and whether the refresh token was rotated). The result is
 * still kept in memory as above. An exchange (or a refresh token without a record) whose result cannot be saved
 * has no record to keep it under: that call always throws {@link ErrorCode#TOKEN_NOT_SAVED}.
 *
 * <p>Immutable and thread-safe once built; share one instance per store and environment.
 */
public final class TokenManager {
  // This class finds the record a call means and decides what to do; the package-private parts do it and never
  // call back: HandOutCache (memory), TokenCalls (the server, with SingleFlight and Retries), Cleaner (revoke,
  // cleanup), AuthorizedSender (send).
  private final TokenStore store;
  private final Environment environment;
  private final Clock clock;
  private final LazyHttp http;
  private final TokenEventListener listener;
  private final RefreshCoordinator coordinator;
  private final TokenCalls.Settings settings;
  private final Counters counters = new Counters();
  private final HandOutCache cache;
  /** The hand-out cache's query-key map, held here so that the hot path is this one lookup. */
  private final ConcurrentHashMap<TokenKey, Entry> aliases;
  private final TokenCalls calls;
  private final Cleaner cleaner;
  private final AuthorizedSender sender;
  private final @Nullable Duration recheckStoreAfter;

  private TokenManager(Builder b) {
    // a record with encrypted secrets (a keyring was not given) is an error here, never a token handed out
    this.store = EncryptedValues.refuseEncrypted(Objects.requireNonNull(b.store, "store"));
    this.environment = Objects.requireNonNull(b.environment, "environment");
    this.clock = b.clock;
    this.http = b.lazyHttp != null ? b.lazyHttp : LazyHttp.of(b.httpClient, b.connectTimeout);
    this.listener = b.listener;
    this.coordinator = b.coordinator != null ? b.coordinator
        : store.capability(RefreshCoordination.class).map(RefreshCoordination::refreshCoordinator)
            .orElseGet(RefreshCoordinator::inJvm);
    this.settings = new TokenCalls.Settings(b.clock, b.sleeper, b.retryPolicy, b.refreshWindow, b.requestTimeout,
        b.leaseTime, b.fillUserName, b.requireSaved);
    Events events = new Events(listener, environment.name());
    this.recheckStoreAfter = b.recheckStoreAfter;
    this.cache = new HandOutCache(store, counters, b.refreshWindow.toMillis(), b.clock::millis,
        b.recheckStoreAfter == null ? Long.MAX_VALUE : b.recheckStoreAfter.toMillis());
    this.aliases = cache.aliases();
    TokenEndpointClient client = new TokenEndpointClient(http, b.requestTimeout);
    Retries retries = new Retries(b.retryPolicy, b.sleeper, counters, events);
    this.calls = new TokenCalls(store, environment, client, coordinator, cache, counters, events, settings, retries);
    this.cleaner = new Cleaner(store, environment, client, retries, clock, cache, counters, events);
    this.sender = new AuthorizedSender(http, environment);
  }

  /** Whether this manager has built its HTTP client yet (for tests: handing out stored tokens builds none). */
  boolean httpClientBuilt() {
    return http.built();
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
    return new Builder().store(store).environment(other).clock(clock).sleeper(settings.sleeper())
        .refreshWindow(settings.refreshWindow()).sharedHttp(http).requestTimeout(settings.requestTimeout())
        .retryPolicy(settings.retryPolicy()).listener(listener).fillUserName(settings.fillUserName())
        .refreshCoordinator(coordinator).leaseTime(settings.leaseTime()).requireSaved(settings.requireSaved())
        .recheckStoreAfter(recheckStoreAfter)
        .build();
  }

  public Environment environment() {
    return environment;
  }

  public TokenStore store() {
    return store;
  }

  // ------------------------------------------------------------------------------------------ get

  /**
   * The token {@code partial} means, with an access token valid for longer than its refresh window (or, while
   * a refresh is in flight or after a failed early refresh, at least still valid).
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} for a partial token that names nothing or
   *     lacks what a call needs (client id); {@link ErrorCode#TOKEN_NOT_FOUND}; or an {@link OAuthException}
   */
  public OAuthToken getToken(OAuthToken partial) {
    Objects.requireNonNull(partial, "partial");
    TokenKey key = TokenKey.of(partial);
    Entry e = aliases.get(key);
    if (e != null) {
      Snapshot s = e.snap;
      if (s != null && clock.millis() < s.handOutUntil) {
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
   * <p>A grant token that is already stored finds its record (Zoho's rule), without a call to the server. If
   * {@code grant} names a user and that record belongs to another, the code was already used for someone else:
   * that is an error, and the other user's token is not returned.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} without a grant token or client id, or for a
   *     grant token already exchanged for another user; or an {@link OAuthException} (e.g. {@code invalid_code}
   *     for a used or expired code)
   */
  public OAuthToken exchange(OAuthToken grant, @Nullable String codeVerifier) {
    Objects.requireNonNull(grant, "grant");
    if (grant.grantToken() == null) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "exchange needs a grant token (the authorization code); " + TokenRules.describe(grant) + " has none.");
    }
    OAuthToken query = grant.toBuilder().id(null).userName(null).build();
    OAuthToken result =
        orStartOver(calls.exchange(null, grant.toBuilder().id(null).build(), query, codeVerifier), query);
    String asked = grant.userName();
    if (asked != null && result.userName() != null && !asked.equals(result.userName())) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The grant token was already used: it is stored as "
          + "token id " + result.id() + " for user " + result.userName() + ", not " + asked + ". A grant token "
          + "works once; get a new one for " + asked + ".");
    }
    return result;
  }

  /**
   * Stores a refresh token the caller already has: always one refresh at the server (which checks the token),
   * whose result is saved and returned. {@code grant} carries the refresh token, the client id and secret and,
   * optionally, the user name, which names the new record when the server does not tell it. A refresh token
   * already stored for another user than {@code grant}'s is refused before any call: importing never renames
   * someone else's record.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} without a refresh token or client id, or for a
   *     refresh token stored for another user; or an {@link OAuthException} (e.g. {@code invalid_grant})
   */
  public OAuthToken importRefreshToken(OAuthToken grant) {
    Objects.requireNonNull(grant, "grant");
    String refreshToken = grant.refreshToken();
    if (refreshToken == null || grant.clientId() == null) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "importRefreshToken needs a refresh token and a client id; " + TokenRules.describe(grant) + " lacks one.");
    }
    String user = grant.userName();
    counters.storeReads.increment();
    OAuthToken stored = store.findToken(OAuthToken.builder().refreshToken(refreshToken).build()).orElse(null);
    if (stored != null && user != null && stored.userName() != null && !user.equals(stored.userName())) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "This refresh token is already stored as token id "
          + stored.id() + " for user " + stored.userName() + "; it is not renamed to " + user + ". Import it "
          + "without a user name, or delete token id " + stored.id() + " first if it really belongs to " + user + ".");
    }
    OAuthToken saved = refresh(OAuthToken.builder()
        .clientId(grant.clientId())
        .clientSecret(grant.clientSecret())
        .refreshToken(refreshToken)
        .build());
    if (user != null && saved.userName() == null) {
      saved = store.saveToken(OAuthToken.builder().id(saved.id()).userName(user).build());
    }
    return saved;
  }

  /**
   * Forgets what this manager holds in memory for the stored record {@code id}: the next call for it reads the
   * store. Call it after changing or deleting that record through something other than this manager (a new
   * sign-in saved by a framework, a logout that removed it), so that the change is seen at once rather than at
   * the next refresh or {@link Builder#recheckStoreAfter recheck}. A refresh result the store has not saved yet
   * is kept. Thread-safe; cheap when memory holds nothing for {@code id}.
   */
  public void invalidate(String id) {
    cache.invalidate(Objects.requireNonNull(id, "id"));
  }

  /** The access token of {@link #getToken(OAuthToken)}. */
  public String accessToken(OAuthToken partial) {
    return requireAccess(getToken(partial));
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
      counters.storeReads.increment();
      seen = store.findToken(partial).map(OAuthToken::accessToken).orElse(partial.accessToken());
    }
    return slowGet(partial, key, e, seen, true);
  }

  private OAuthToken slowGet(
      OAuthToken partial, TokenKey key, @Nullable Entry e, @Nullable String rejectedAccess, boolean force) {
    if (key instanceof TokenKey.None) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "The partial token names no stored token and carries nothing to exchange: set an id, a user name, an "
              + "access token, a grant token or a refresh token.");
    }
    OAuthToken stored = null;
    if (e != null) {
      cache.savePending(e);
      stored = cache.readById(e.id);
      if (stored != null && !key.matches(stored)) {
        // the id now names another record (deleted, and the id given to a new one): never that user's token
        cache.forget(e);
        e = null;
        stored = null;
      } else if (stored == null) {
        cache.forget(e);
        e = null;
      } else if (e.unsaved != null) {
        stored = TokenRules.merge(stored, Objects.requireNonNull(e.unsaved)); // the store is behind memory
      }
    }
    if (stored == null) {
      counters.storeReads.increment();
      stored = store.findToken(partial).orElse(null);
    }
    if (stored == null) {
      return withoutRecord(partial, key);
    }
    String id = Objects.requireNonNull(stored.id(), "a stored token has an id");
    Entry entry = e != null ? e : cache.entryFor(id);
    cache.remember(key, entry);
    Snapshot s = cache.publish(entry, stored);
    long now = clock.millis();
    if (force && rejectedAccess != null && !rejectedAccess.equals(stored.accessToken()) && now < s.expiresAt) {
      counters.siblingTokens.increment();
      return stored;
    }
    if (!force && now < s.refreshAt) {
      return stored;
    }
    boolean stillValid = stored.accessToken() != null && now < s.expiresAt;
    if (stillValid && !force && (calls.inFlight(id) || now < entry.quietUntil)) {
      return stored;
    }
    // the caller's client secret only (none: the record's as it is when the refresh reads it under the lease)
    OAuthToken creds = TokenCalls.withCredentials(stored, partial).toBuilder()
        .clientSecret(partial.clientSecret()).build();
    if (creds.refreshToken() != null) {
      if (now < entry.throttledUntil) {
        if (stillValid && !force) {
          return stored;
        }
        // A forced refresh (explicit, or after the API rejected this access token) must not hand back the
        // token it was asked to replace as if it were new.
        throw calls.throttledLocally(entry, stored, now);
      }
      return calls.refresh(entry, creds, stillValid && !force ? stored : null, force ? rejectedAccess : null);
    }
    if (creds.grantToken() != null && stored.accessToken() == null) {
      return orStartOver(calls.exchange(id, creds, partial, null), partial);
    }
    if (stillValid || (stored.accessToken() != null && stored.expiresAt() == null)) {
      return stored;
    }
    // an OAuthException like the server's own refusal, so that one catch handles every re-authorization
    throw new OAuthException(ErrorCode.REAUTHORIZATION_REQUIRED,
        TokenRules.describe(stored) + " has no refresh token and its access token "
            + (stored.accessToken() == null ? "is missing" : "expired at " + stored.expiresAt())
            + ". Authorize the application again (with access_type=offline to get a refresh token).",
        null, 0, null, null);
  }

  /** No stored record for the query. */
  private OAuthToken withoutRecord(OAuthToken partial, TokenKey key) {
    if (key instanceof TokenKey.ById || key instanceof TokenKey.ByUser) {
      throw new StoreException(ErrorCode.TOKEN_NOT_FOUND,
          "No stored token matches " + TokenRules.describe(partial) + " (" + key + ") in environment "
              + environment.name() + ". Authorize the application first, or check the id / user name.");
    }
    if (key instanceof TokenKey.ByAccessToken) {
      return partial;
    }
    if (key instanceof TokenKey.ByGrantToken) {
      return orStartOver(calls.exchange(null, partial, partial, null), partial);
    }
    // a refresh token the store does not know: refresh it and keep the result as a new record
    return orStartOver(calls.refreshUnstored(partial, key), partial);
  }

  /**
   * The result of a shared call, or, when the call found the record created meanwhile (null), the token found
   * by starting over (outside the call's flight, so that the record's own flight is never awaited from inside).
   */
  private OAuthToken orStartOver(@Nullable OAuthToken result, OAuthToken partial) {
    return result != null ? result : getToken(partial);
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
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "The partial token names no stored token and no token to revoke: set an id, a user name or a token.");
    }
    counters.storeReads.increment();
    return cleaner.revoke(store.findToken(partial).orElse(null), partial, key);
  }

  /**
   * Applies {@code policy} to every stored record: revokes and deletes idle tokens, stamps and later deletes
   * records of grant tokens never exchanged (see {@link CleanupPolicy} for the definitions). A record whose
   * revocation fails is kept and reported in {@link CleanupReport#failed()}.
   */
  public CleanupReport cleanup(CleanupPolicy policy) {
    return cleaner.cleanup(Objects.requireNonNull(policy, "policy"));
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
    String access = requireAccess(getToken(partial));
    HttpResponse<T> response = sender.send(request, access, handler);
    if (response != null) {
      return response;
    }
    TokenKey key = TokenKey.of(partial);
    OAuthToken fresh = slowGet(partial, key, aliases.get(key), access, true);
    return sender.sendAgain(request, requireAccess(fresh), handler);
  }

  private static String requireAccess(OAuthToken t) {
    String a = t.accessToken();
    if (a == null) {
      throw new StoreException(ErrorCode.TOKEN_NOT_FOUND,
          TokenRules.describe(t) + " has no access token. Authorize the application to get one.");
    }
    return a;
  }

  // ------------------------------------------------------------------------------------ unsaved results

  /**
   * The ids of the stored records whose newest tokens this manager holds in memory only, because the store failed
   * to save a refresh result (see "When the store cannot save a result" above), in id order; empty when every
   * result is saved.
   */
  public List<String> unsavedTokenIds() {
    List<String> ids = new ArrayList<>();
    for (Entry e : cache.unsaved()) {
      ids.add(e.id);
    }
    return List.copyOf(ids);
  }

  /**
   * Saves every refresh result this manager holds in memory only ({@link #unsavedTokenIds()}). Call it before a
   * process ends, e.g. in a shutdown hook, and after the store has recovered.
   *
   * @return how many results were saved now (0 when none was pending)
   * @throws StoreException {@link ErrorCode#TOKEN_NOT_SAVED} when the store still fails for some (their ids are in
   *     the message, the first store failure is the cause); those that could be saved are saved, the others stay
   *     in memory
   */
  public int saveUnsaved() {
    return calls.saveUnsaved();
  }

  // --------------------------------------------------------------------------------------- metrics

  /** The counters so far. */
  public TokenManagerMetrics metrics() {
    return counters.metrics();
  }

  @Override
  public String toString() {
    return "TokenManager{" + environment.name() + ", store=" + store + ", refreshWindow=" + settings.refreshWindow()
        + "}";
  }

  /** Builds a {@link TokenManager}. Not thread-safe; the built manager is. */
  public static final class Builder {
    private @Nullable TokenStore store;
    private @Nullable Environment environment;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Duration refreshWindow = Duration.ofMinutes(5);
    private @Nullable HttpClient httpClient;
    private @Nullable LazyHttp lazyHttp;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private TokenEventListener listener = TokenEventListener.NONE;
    private boolean fillUserName;
    private @Nullable RefreshCoordinator coordinator;
    private Duration leaseTime = Duration.ofSeconds(60);
    private boolean requireSaved;
    private @Nullable Duration recheckStoreAfter;

    private Builder() {}

    /**
     * How long a token held in memory is handed out before the stored record is read again; default null: until
     * the token is due for a refresh (a valid token is then a map read). Set it when other processes share the
     * store and may delete, revoke or replace a record (several {@code tokenstore serve} instances; application
     * instances): each key then costs one store read per period, and a record deleted or replaced elsewhere is
     * honoured within it. A record whose id now names another user's record is never handed out for the old key.
     */
    public Builder recheckStoreAfter(@Nullable Duration recheckStoreAfter) {
      this.recheckStoreAfter = recheckStoreAfter == null ? null
          : DurationBounds.nonNegative(recheckStoreAfter, "recheckStoreAfter", DurationBounds.YEAR);
      return this;
    }

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

    /**
     * Where retries and lease waits wait, and the time those waits are measured by; default the system's
     * ({@link Thread#sleep}, {@link System#nanoTime()}). Package-private: for tests that wait without sleeping.
     */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * How long before expiry a token is refreshed at most; default five minutes. The effective window of a
     * token is this one, but never more than half of its access token's lifetime when that is known: the
     * lifetime is the token endpoint's {@code expires_in}, kept as {@link OAuthToken#issuedAt()} beside the
     * expiry in every store, so a fresh process knows it too. So a token is never refreshed while more than
     * half of its lifetime remains: with the default, a 30-second token is refreshed 15 seconds before it
     * expires, a ten-minute token five minutes before, a one-hour token five minutes before. A token without an
     * issue time (written by Zoho's SDKs or another program) gets this window as it is. Zero refreshes only at
     * expiry.
     */
    public Builder refreshWindow(Duration refreshWindow) {
      this.refreshWindow = DurationBounds.nonNegative(refreshWindow, "refreshWindow", DurationBounds.YEAR);
      return this;
    }

    /**
     * The HTTP client; default a new one with {@link #connectTimeout} and no redirects followed, built when the
     * manager first calls a server.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      this.lazyHttp = null;
      return this;
    }

    /** Another manager's client, built or not ({@link TokenManager#withEnvironment}). */
    Builder sharedHttp(LazyHttp http) {
      this.lazyHttp = http;
      return this;
    }

    /** Connect timeout of the default HTTP client; default 10 s. Ignored with {@link #httpClient}. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = DurationBounds.positive(connectTimeout, "connectTimeout", DurationBounds.DAY);
      return this;
    }

    /** Timeout of each request to the authorization server; default 30 s. */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = DurationBounds.positive(requestTimeout, "requestTimeout", DurationBounds.DAY);
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
      this.leaseTime = DurationBounds.positive(leaseTime, "leaseTime", DurationBounds.DAY);
      return this;
    }

    /**
     * Whether a call whose refresh result the store could not save fails with {@link StoreException}
     * {@link ErrorCode#TOKEN_NOT_SAVED} (true) or returns the new token, kept in memory and saved later (false, the
     * default, for long-running applications); see "When the store cannot save a result" in the class comment.
     * Short-lived processes, which would end with the only copy of a rotated refresh token, set it to true.
     */
    public Builder requireSaved(boolean requireSaved) {
      this.requireSaved = requireSaved;
      return this;
    }

    /**
     * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} without a store or environment
     */
    public TokenManager build() {
      if (store == null || environment == null) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
            "A token manager needs a store and an environment: call store(...) and environment(...).");
      }
      return new TokenManager(this);
    }
  }
}
