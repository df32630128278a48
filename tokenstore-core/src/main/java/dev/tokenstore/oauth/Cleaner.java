package dev.tokenstore.oauth;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Revokes and deletes records: one on request ({@link #revoke}), or every record a {@link CleanupPolicy} finds
 * idle, and stamps and later deletes records of grant tokens never exchanged. Revocations are retried
 * ({@link Retries}); deleted records are forgotten in the {@link HandOutCache}. Thread-safe (holds no state of
 * its own); concurrent runs may both try to delete a record, which the store allows.
 */
final class Cleaner {
  private final TokenStore store;
  private final Clock clock;
  private final HandOutCache cache;
  private final Environment environment;
  private final TokenEndpointClient client;
  private final Retries retries;
  private final Counters counters;
  private final Events events;

  Cleaner(TokenStore store, Environment environment, TokenEndpointClient client, Retries retries, Clock clock,
      HandOutCache cache, Counters counters, Events events) {
    this.store = store;
    this.clock = clock;
    this.cache = cache;
    this.environment = environment;
    this.client = client;
    this.retries = retries;
    this.counters = counters;
    this.events = events;
  }

  /**
   * Revokes the token of {@code stored} (completed by the credentials of {@code partial}), or {@code partial}
   * itself when nothing is stored, at the server and deletes the record; forgets it and the query {@code key}.
   *
   * @return whether anything was revoked or deleted
   */
  boolean revoke(@Nullable OAuthToken stored, OAuthToken partial, TokenKey key) {
    OAuthToken target = stored != null ? TokenCalls.withCredentials(stored, partial) : partial;
    boolean revoked = revokeAtServer(target);
    boolean deleted = false;
    if (stored != null) {
      String id = Objects.requireNonNull(stored.id());
      deleted = store.deleteToken(id);
      cache.forget(id);
    }
    cache.forgetAlias(key);
    if (revoked || deleted) {
      counters.revokes.increment();
      events.emit(TokenEvent.Type.REVOKED, target);
    }
    return revoked || deleted;
  }

  CleanupReport cleanup(CleanupPolicy policy) {
    Instant now = clock.instant();
    List<String> revoked = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    List<String> stamped = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    counters.storeReads.increment();
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
            counters.revokes.increment();
            events.emit(TokenEvent.Type.REVOKED, t);
          }
        } catch (TokenstoreException ex) { // a store failure or the server refusing the revoke
          Events.LOG.log(System.Logger.Level.WARNING, () -> "Cleanup could not revoke " + TokenRules.describe(t)
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
      events.emit(TokenEvent.Type.CLEANUP_DELETED, t);
    }
    cache.forget(id);
  }

  /**
   * Revokes {@code t} at the server (its refresh token, else its access token), with retries.
   *
   * @return false when there is nothing to revoke or the environment has no revoke URL
   */
  private boolean revokeAtServer(OAuthToken t) {
    String token = t.refreshToken() != null ? t.refreshToken() : t.accessToken();
    if (token == null) {
      return false;
    }
    if (environment.revokeUrl().isEmpty()) {
      Events.LOG.log(System.Logger.Level.WARNING, () -> "Environment " + environment.name() + " has no revoke "
          + "URL; " + TokenRules.describe(t) + " is deleted locally only and stays valid at the server until it "
          + "expires.");
      return false;
    }
    String hint = t.refreshToken() != null ? "refresh_token" : "access_token";
    retries.call(t, () -> {
      client.revoke(environment, token, hint, t.clientId(), t.clientSecret());
      return Boolean.TRUE;
    });
    return true;
  }
}
