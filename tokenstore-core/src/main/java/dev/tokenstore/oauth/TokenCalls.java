package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.HandOutCache.Entry;
import dev.tokenstore.oauth.TokenEndpointClient.TokenReply;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Every call of a token manager to the authorization server: refresh (under the coordinator's lease, saved by
 * compare-and-set when the store can), exchange, revoke and the user-name lookup. Concurrent callers for one
 * record (or one query) share one call ({@link SingleFlight}); transient failures are retried ({@link Retries});
 * a reply becomes a token in one place ({@link #fetch}); events and counters are reported here. Results are
 * published to the {@link HandOutCache}. Calls that find the record was created meanwhile return null: the caller
 * then starts over. Thread-safe; no lock is held across network I/O.
 */
final class TokenCalls {
  private static final Duration EARLY_FAILURE_PAUSE = Duration.ofSeconds(30);
  /** The longest wait between two tries for a lease another manager holds. */
  private static final Duration LEASE_POLL = Duration.ofMillis(20);
  /** The first wait when the coordinator cannot wait for a release itself; doubled up to {@link #LEASE_POLL}. */
  private static final Duration LEASE_FIRST_POLL = Duration.ofMillis(2);
  /** The shortest wait, also at the deadline, so that time passes (a test's clock moves by the waits only). */
  private static final long LEASE_MIN_POLL_NANOS = 1_000_000;

  /** The settings the calls use, as the manager's builder set them. Immutable; thread-safe. */
  record Settings(Clock clock, Sleeper sleeper, RetryPolicy retryPolicy, Duration refreshWindow,
      Duration requestTimeout, Duration leaseTime, boolean fillUserName, boolean requireSaved) {}

  private final TokenStore store;
  private final Environment environment;
  private final TokenEndpointClient client;
  private final RefreshCoordinator coordinator;
  private final HandOutCache cache;
  private final Counters counters;
  private final Events events;
  private final Settings settings;
  private final Clock clock;
  /** Calls in flight, by record id (or by query key for tokens not yet stored). */
  private final SingleFlight flights;
  private final Retries retries;
  private final NewRecords newRecords;

  TokenCalls(TokenStore store, Environment environment, TokenEndpointClient client, RefreshCoordinator coordinator,
      HandOutCache cache, Counters counters, Events events, Settings settings, Retries retries) {
    this.store = store;
    this.environment = environment;
    this.client = client;
    this.coordinator = coordinator;
    this.cache = cache;
    this.counters = counters;
    this.events = events;
    this.settings = settings;
    this.clock = settings.clock();
    this.flights = new SingleFlight(counters, events);
    this.retries = retries;
    this.newRecords = new NewRecords(store, environment, client, cache, counters, events, settings.fillUserName());
  }

  /** Whether a call for the record {@code id} is in flight. */
  boolean inFlight(String id) {
    return flights.isRunning(id);
  }

  // ---------------------------------------------------------------------------------------- refresh

  /**
   * Refreshes the stored record of {@code entry}, shared with concurrent callers. When the refresh fails and
   * {@code fallback} (the current token) is still valid, it is handed out and early refreshes pause.
   *
   * @param rejectedAccess an access token the caller knows is no longer good (a forced refresh), or null
   */
  OAuthToken refresh(Entry entry, OAuthToken creds, @Nullable OAuthToken fallback, @Nullable String rejectedAccess) {
    OAuthToken t = flights.run(entry.id, creds, () -> leaderRefresh(entry, creds, rejectedAccess),
        ex -> afterFailedRefresh(entry, fallback, ex));
    if (t == null) {
      throw new IllegalStateException("a refresh flight completed without a token");
    }
    return t;
  }

  private OAuthToken afterFailedRefresh(Entry entry, @Nullable OAuthToken fallback, RuntimeException ex) {
    if (ex instanceof StoreException se && se.code() == ErrorCode.TOKEN_NOT_SAVED) {
      throw ex; // the refresh succeeded: handing out the older token instead would hide that it is unsaved
    }
    long now = clock.millis();
    if (ex instanceof OAuthException oe && oe.code() == ErrorCode.THROTTLED) {
      entry.throttledUntil = now + oe.retryAfter().orElse(EARLY_FAILURE_PAUSE).toMillis();
    }
    if (fallback != null && fallback.accessToken() != null && !fallback.isExpired(Instant.ofEpochMilli(now),
        Duration.ZERO)) {
      Duration pause = ex instanceof OAuthException oe && oe.retryAfter().isPresent()
          ? oe.retryAfter().get() : EARLY_FAILURE_PAUSE;
      entry.quietUntil = now + pause.toMillis();
      Events.LOG.log(System.Logger.Level.WARNING, () -> "Early refresh of " + TokenRules.describe(fallback)
          + " failed; the current access token stays in use until it expires: " + ex.getMessage());
      return fallback;
    }
    throw ex;
  }

  private OAuthToken leaderRefresh(Entry entry, OAuthToken creds, @Nullable String rejectedAccess) {
    RefreshIdentity identity = new RefreshIdentity(environment.name(), entry.id);
    Sleeper sleeper = settings.sleeper();
    Duration leaseTime = settings.leaseTime();
    long deadline = sleeper.nanoTime() + leaseTime.toNanos() + settings.requestTimeout().toNanos();
    RefreshLease lease;
    OAuthToken current;
    @Nullable OAuthToken expected; // what the store held, for the compare-and-set save; null: save plainly
    boolean waited = false;
    Duration backoff = LEASE_FIRST_POLL;
    while (true) {
      lease = coordinator.tryAcquire(identity, leaseTime).orElse(null);
      cache.savePending(entry);
      current = cache.readById(entry.id);
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
        throw deletedWhileRefreshing(entry, creds);
      }
      if (isFresh(current, rejectedAccess) || refreshedMeanwhile(current, creds.accessToken())) {
        // A sibling (another thread's flight, manager or process, e.g. the lease holder this caller waited
        // for) stored a new token since this caller decided to refresh: use it, never refresh it again.
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
        counters.leaseWaits.increment();
        events.emit(TokenEvent.Type.LEASE_WAIT, current);
      }
      if (sleeper.nanoTime() - deadline > 0) {
        throw new TokenstoreException(ErrorCode.LEASE_WAIT_TIMEOUT,
            "Another token manager holds the refresh lease of " + TokenRules.describe(current) + " and has not "
                + "refreshed within " + leaseTime.toSeconds() + " s. Retry later; check that process.");
      }
      // wait for the release (a coordinator told of releases wakes this caller at once), at most one poll
      // interval; a coordinator that cannot wait is polled with a short backoff
      long left = deadline - sleeper.nanoTime();
      Duration poll = Duration.ofNanos(Math.max(LEASE_MIN_POLL_NANOS, Math.min(LEASE_POLL.toNanos(), left)));
      boolean waitedForRelease;
      try {
        waitedForRelease = sleeper.awaitRelease(coordinator, identity, poll);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interruptedWaiting(current);
      }
      if (!waitedForRelease) {
        if (!sleeper.pause(backoff.compareTo(poll) < 0 ? backoff : poll)) {
          throw interruptedWaiting(current);
        }
        Duration next = backoff.multipliedBy(2);
        backoff = next.compareTo(LEASE_POLL) < 0 ? next : LEASE_POLL;
      }
    }
    if (lease.tookOver()) {
      counters.leaseTakeovers.increment();
      events.emit(TokenEvent.Type.LEASE_TAKEN_OVER, current);
      Events.LOG.log(System.Logger.Level.INFO, () -> "Took over the refresh lease of " + TokenRules.describe(creds)
          + ": its previous holder let it expire without releasing it (died or stalled mid-refresh?).");
    }
    try {
      if (settings.requireSaved()) {
        probeWritable(current);
      }
      OAuthToken base = withCredentials(current, creds);
      OAuthToken from = current;
      for (int round = 0; ; round++) {
        try {
          return refreshOnce(entry, from, base, expected);
        } catch (OAuthException ex) {
          if (ex.code() != ErrorCode.REAUTHORIZATION_REQUIRED) {
            failed(base, ex);
            throw ex;
          }
          // A sibling may have rotated the refresh token: reread before giving up.
          OAuthToken again = cache.readById(entry.id);
          if (again != null && refreshedMeanwhile(again, base.accessToken())) {
            return useSibling(entry, again);
          }
          if (round == 0 && again != null && again.refreshToken() != null
              && !again.refreshToken().equals(base.refreshToken())) {
            base = withCredentials(again, creds);
            from = again;
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

  private static TokenstoreException interruptedWaiting(OAuthToken current) {
    return new TokenstoreException(ErrorCode.INTERRUPTED, "Interrupted while waiting for another token "
        + "manager's refresh of " + TokenRules.describe(current) + "; nothing was changed.");
  }

  /**
   * With {@code requireSaved}: the store must take a write of {@code current} as it is (a compare-and-set that
   * changes nothing, where the store has one) before the server is asked for new tokens, which it may rotate. A
   * store that cannot save (a full disk, a read-only table, an unsafe lock file) fails now, while nothing has
   * changed anywhere, instead of after the server has replaced the refresh token. Costs one write per refresh,
   * for the short-lived processes that ask for it.
   */
  private void probeWritable(OAuthToken current) {
    try {
      Optional<ConditionalSave> cas = store.capability(ConditionalSave.class);
      if (cas.isPresent()) {
        cas.get().saveTokenIf(current, current);
      } else {
        store.saveToken(current);
      }
    } catch (StoreException ex) {
      throw new StoreException(ex.code(), "The store cannot save " + TokenRules.describe(current) + " ("
          + ex.getMessage() + "), so its refresh was not attempted: the server might rotate the refresh token and "
          + "the new one would be lost. Nothing was changed. Make the store writable and retry.", ex);
    }
  }

  /**
   * Refreshes {@code base} ({@code stored} with the caller's credentials) and saves the result. A client secret of
   * the caller's that differs from a stored one (rotated at the server, the application configured anew) replaces
   * it with the new tokens once the server has accepted it; a record kept without a secret (the Spring starter's)
   * stays without.
   */
  private OAuthToken refreshOnce(Entry entry, OAuthToken stored, OAuthToken base, @Nullable OAuthToken expected) {
    String clientId = requireClientId(base);
    String refreshToken = Objects.requireNonNull(base.refreshToken());
    events.emit(TokenEvent.Type.REFRESH_STARTED, base);
    OAuthToken.Builder into = OAuthToken.builder().id(entry.id);
    String secret = base.clientSecret();
    if (secret != null && stored.clientSecret() != null && !secret.equals(stored.clientSecret())) {
      into.clientSecret(secret);
    }
    OAuthToken update = fetch(base, () -> client.refresh(environment, clientId, secret, refreshToken), into,
        null, null);
    OAuthToken saved;
    try {
      Optional<ConditionalSave> cas = expected != null ? store.capability(ConditionalSave.class) : Optional.empty();
      if (expected != null && cas.isPresent()) {
        Optional<OAuthToken> done = cas.get().saveTokenIf(expected, update);
        // refused because the client secret changed (or a decorator's record-level data in it): the tokens this
        // refresh replaces are still the stored ones, so save it on top of the record as it now is
        for (int again = 0; done.isEmpty() && again < 8; again++) {
          OAuthToken now = store.findTokenById(entry.id).orElse(null);
          if (now == null || !ConditionalSave.sameTokens(now, expected)) {
            break;
          }
          done = cas.get().saveTokenIf(now, update);
        }
        if (done.isEmpty()) {
          return lostSave(entry, base);
        }
        saved = done.get();
      } else {
        saved = store.saveToken(update);
      }
      entry.unsaved = null;
    } catch (StoreException ex) {
      // The server has issued (and may have rotated) tokens: keep them in memory rather than lose them.
      saved = TokenRules.merge(base, update);
      entry.unsaved = update;
      cache.publishFresh(entry, saved);
      entry.quietUntil = 0;
      counters.refreshes.increment();
      StoreException notSaved = notSaved(base, update, "Refreshed", ex);
      counters.saveFailures.increment();
      events.emit(TokenEvent.Type.SAVE_FAILED, saved, 0, null, ex);
      Events.LOG.log(System.Logger.Level.ERROR, () -> notSaved.getMessage()
          + (settings.requireSaved() ? "" : " It is handed out meanwhile."));
      if (settings.requireSaved()) {
        throw notSaved;
      }
      return saved;
    }
    cache.publishFresh(entry, saved);
    entry.quietUntil = 0;
    counters.refreshes.increment();
    events.emit(TokenEvent.Type.REFRESH_SUCCEEDED, saved);
    return saved;
  }

  /**
   * The failure of a refresh whose new tokens ({@code update}, replacing those of {@code base}) the store could not
   * save; they are kept in memory: {@link ErrorCode#TOKEN_NOT_SAVED} with the store's failure as its cause. Names
   * no secret.
   */
  private StoreException notSaved(OAuthToken base, OAuthToken update, String done, StoreException cause) {
    String newRefresh = update.refreshToken();
    boolean rotated = newRefresh != null && !newRefresh.equals(base.refreshToken());
    return new StoreException(ErrorCode.TOKEN_NOT_SAVED,
        done + " " + TokenRules.describe(base) + " at " + environment.name() + ", but the store could not save the "
            + "new tokens ([" + cause.code() + "] " + cause.getMessage() + ")."
            + (rotated ? " The server rotated the refresh token: the stored one no longer works." : "")
            + " The new tokens are kept in this token manager's memory only and saved again on later calls; if "
            + "this process ends first, they are lost. Make the store writable"
            + (rotated ? "; if the stored token is then refused, authorize the application again." : "."),
        cause);
  }

  /** Tries to save every result held unsaved once more; see {@link TokenManager#saveUnsaved()}. */
  int saveUnsaved() {
    List<String> still = new ArrayList<>();
    StoreException first = null;
    int saved = 0;
    for (Entry e : cache.unsaved()) {
      StoreException ex = cache.savePending(e);
      if (ex == null) {
        saved++;
      } else {
        still.add(e.id);
        if (first == null) {
          first = ex;
        }
      }
    }
    if (first != null) {
      throw new StoreException(ErrorCode.TOKEN_NOT_SAVED, "The store still cannot save the refreshed tokens of "
          + (still.size() == 1 ? "token id " : still.size() + " tokens (ids ") + String.join(", ", still)
          + (still.size() == 1 ? "" : ")") + " ([" + first.code() + "] " + first.getMessage() + "). They stay in "
          + "this token manager's memory; make the store writable and call saveUnsaved() again before the "
          + "process ends.", first);
    }
    return saved;
  }

  /**
   * The compare-and-set save of a refresh result was refused: another refresher saved a newer token while this
   * one's lease had lapsed. The stored token wins (with rotation it holds the newest valid refresh token).
   */
  private OAuthToken lostSave(Entry entry, OAuthToken base) {
    counters.saveConflicts.increment();
    events.emit(TokenEvent.Type.SAVE_CONFLICT, base);
    Events.LOG.log(System.Logger.Level.INFO, () -> "The refreshed token of " + TokenRules.describe(base) + " was "
        + "not saved: another refresher stored a newer one meanwhile, which is used instead.");
    OAuthToken newer = cache.readById(entry.id);
    if (newer == null) {
      throw deletedWhileRefreshing(entry, base);
    }
    counters.refreshes.increment();
    return useSibling(entry, newer);
  }

  private StoreException deletedWhileRefreshing(Entry entry, OAuthToken about) {
    cache.forget(entry);
    return new StoreException(ErrorCode.TOKEN_NOT_FOUND,
        TokenRules.describe(about) + " was deleted from the store (revoked?) while it was being refreshed. "
            + "Authorize the application again if it is still needed.");
  }

  private void failed(OAuthToken token, OAuthException ex) {
    counters.refreshFailures.increment();
    events.emit(TokenEvent.Type.REFRESH_FAILED, token, 0, null, ex);
  }

  private OAuthToken useSibling(Entry entry, OAuthToken current) {
    counters.siblingTokens.increment();
    cache.publish(entry, current);
    events.emit(TokenEvent.Type.SIBLING_TOKEN_USED, current);
    return current;
  }

  /**
   * Whether {@code t} needs no refresh: with {@code rejectedAccess} (a forced refresh), it holds another access
   * token that has not expired; otherwise it is not yet due by {@link RefreshTiming} (the rule the hand-out
   * cache uses too).
   */
  private boolean isFresh(OAuthToken t, @Nullable String rejectedAccess) {
    if (t.accessToken() == null) {
      return false;
    }
    if (rejectedAccess != null) {
      return !rejectedAccess.equals(t.accessToken()) && !t.isExpired(clock.instant(), Duration.ZERO);
    }
    return RefreshTiming.isFresh(t, clock.millis(), settings.refreshWindow().toMillis());
  }

  /**
   * Whether {@code t} holds an access token other than {@code seenAccess} (the one the refresh was decided on)
   * that has not expired: a sibling refreshed meanwhile, and its token is used as it is, even if it would be
   * due by the refresh window (it has just been issued; its issue time may be unknown, e.g. written by an
   * older version or another program).
   */
  private boolean refreshedMeanwhile(OAuthToken t, @Nullable String seenAccess) {
    return t.accessToken() != null && !t.accessToken().equals(seenAccess)
        && !t.isExpired(clock.instant(), Duration.ZERO);
  }

  /**
   * A refresh token that no record holds: refresh it (once per JVM) and store the result as a new record.
   * Null when the record turned up meanwhile (start over).
   */
  @Nullable OAuthToken refreshUnstored(OAuthToken partial, TokenKey key) {
    return flights.run(key, partial, () -> {
      OAuthToken again = store.findToken(partial).orElse(null);
      counters.storeReads.increment();
      if (again != null) {
        return null;
      }
      String clientId = requireClientId(partial);
      String refreshToken = Objects.requireNonNull(partial.refreshToken());
      events.emit(TokenEvent.Type.REFRESH_STARTED, partial);
      OAuthToken full;
      try {
        full = fetch(partial, () -> client.refresh(environment, clientId, partial.clientSecret(), refreshToken),
            partial.toBuilder(), refreshToken, apiDomainOr(partial.apiDomain()));
      } catch (OAuthException ex) {
        failed(partial, ex);
        throw ex;
      }
      return newRecords.keep(full, key, counters.refreshes, TokenEvent.Type.REFRESH_SUCCEEDED);
    }, SingleFlight.RETHROW);
  }

  // --------------------------------------------------------------------------------------- exchange

  /**
   * Exchanges the grant token of {@code creds} (with the PKCE verifier, if any), shared with concurrent callers
   * for the same record ({@code id}) or, without a record, the same {@code partial}. Null when the record was
   * exchanged or created meanwhile (start over).
   */
  @Nullable OAuthToken exchange(
      @Nullable String id, OAuthToken creds, OAuthToken partial, @Nullable String codeVerifier) {
    Object flightKey = id != null ? id : TokenKey.of(partial);
    return flights.run(flightKey, creds, () -> {
      OAuthToken base = creds;
      if (id != null) {
        OAuthToken current = cache.readById(id);
        if (current != null && (current.accessToken() != null || current.refreshToken() != null)) {
          return null; // exchanged meanwhile by a sibling: every caller starts over
        }
        if (current != null) {
          base = withCredentials(current, creds);
        }
      } else {
        counters.storeReads.increment();
        OAuthToken current = store.findToken(partial).orElse(null);
        if (current != null) {
          return null;
        }
      }
      OAuthToken grant = base;
      String clientId = requireClientId(grant);
      String code = Objects.requireNonNull(grant.grantToken());
      OAuthToken full;
      try {
        full = fetch(grant, () -> client.exchange(environment, clientId, grant.clientSecret(), grant.redirectUrl(),
            code, codeVerifier), grant.toBuilder(), null, apiDomainOr(grant.apiDomain()));
      } catch (OAuthException ex) {
        events.emit(TokenEvent.Type.EXCHANGE_FAILED, grant, 0, null, ex);
        throw ex;
      }
      return newRecords.keep(full, TokenKey.of(partial), counters.exchanges, TokenEvent.Type.EXCHANGED);
    }, SingleFlight.RETHROW);
  }

  // ---------------------------------------------------------------------------------------- replies

  /**
   * Calls the token endpoint (with retries) and turns its reply into a token: the one place where a reply
   * becomes an {@link OAuthToken}. {@code into} holds what the reply leaves as it is; the expiry counts from
   * before the call, which is also the token's {@link OAuthToken#issuedAt() issue time} (so that
   * {@code expiresAt - issuedAt} is the reply's {@code expires_in}, the lifetime {@link RefreshTiming} uses).
   */
  private OAuthToken fetch(OAuthToken about, Supplier<TokenReply> call, OAuthToken.Builder into,
      @Nullable String refreshTokenIfNone, @Nullable String apiDomainIfNone) {
    long started = clock.millis();
    TokenReply r = retries.call(about, call);
    return into.accessToken(r.accessToken())
        .refreshToken(r.refreshToken() != null ? r.refreshToken() : refreshTokenIfNone)
        .expiresAt(Instant.ofEpochMilli(started).plus(r.expiresIn()))
        .issuedAt(Instant.ofEpochMilli(started))
        .apiDomain(r.apiDomain() != null ? r.apiDomain() : apiDomainIfNone)
        .build();
  }

  String apiDomainOr(@Nullable String apiDomain) {
    return apiDomain != null ? apiDomain : environment.apiDomain();
  }

  // -------------------------------------------------------------------------------------- helpers

  /** The error for a refresh asked for while the server's throttling hint for {@code entry} has not passed. */
  OAuthException throttledLocally(Entry entry, OAuthToken t, long now) {
    Duration wait = Duration.ofMillis(Math.max(0, entry.throttledUntil - now));
    return new OAuthException(ErrorCode.THROTTLED,
        "The server throttled refreshes of " + TokenRules.describe(t) + " in " + environment.name()
            + "; not calling it again for " + wait.toSeconds() + " s. Retry after that.",
        null, 0, wait, null);
  }

  /**
   * {@code stored} with the client credentials, redirect URL and grant token of {@code partial} it lacks, and with
   * {@code partial}'s client secret when it has one: the caller's configuration is where a client secret rotated at
   * the server is changed, the stored record may still hold the old one.
   */
  static OAuthToken withCredentials(OAuthToken stored, OAuthToken partial) {
    OAuthToken.Builder b = stored.toBuilder();
    if (stored.clientId() == null) {
      b.clientId(partial.clientId());
    }
    if (partial.clientSecret() != null) {
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

  private static String requireClientId(OAuthToken t) {
    String id = t.clientId();
    if (id == null) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "Cannot call the token endpoint for " + TokenRules.describe(t) + ": it has no client id. Pass the client "
              + "id and secret with the token, or store them in its record.");
    }
    return id;
  }
}
