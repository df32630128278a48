package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.HandOutCache.Entry;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tokens the store did not hold yet (an exchanged grant token, a refresh token without a record): saved as a new
 * record, their user name filled from the server when asked (merging into that user's record if one exists),
 * counted, reported and published to the {@link HandOutCache}. A result the store cannot save is
 * {@link ErrorCode#TOKEN_NOT_SAVED}: there is no record to keep it under. Thread-safe (holds no state of its own).
 */
final class NewRecords {
  private final TokenStore store;
  private final Environment environment;
  private final TokenEndpointClient client;
  private final HandOutCache cache;
  private final Counters counters;
  private final Events events;
  private final boolean fillUserName;

  NewRecords(TokenStore store, Environment environment, TokenEndpointClient client, HandOutCache cache,
      Counters counters, Events events, boolean fillUserName) {
    this.store = store;
    this.environment = environment;
    this.client = client;
    this.cache = cache;
    this.counters = counters;
    this.events = events;
    this.fillUserName = fillUserName;
  }

  /** Saves a token the store did not hold (its user name filled if asked), counts it, and hands it out for key. */
  OAuthToken keep(OAuthToken full, TokenKey key, LongAdder counter, TokenEvent.Type type) {
    OAuthToken saved;
    try {
      saved = store.saveToken(full);
    } catch (StoreException ex) {
      counters.saveFailures.increment();
      events.emit(TokenEvent.Type.SAVE_FAILED, full, 0, null, ex);
      boolean exchanged = type == TokenEvent.Type.EXCHANGED;
      throw new StoreException(ErrorCode.TOKEN_NOT_SAVED,
          (exchanged ? "Exchanged the grant token of " : "Refreshed the refresh token of ") + TokenRules.describe(full)
              + " at " + environment.name() + ", but the store could not save the new tokens ([" + ex.code() + "] "
              + ex.getMessage() + "); they were not kept (there is no stored record to keep them under). "
              + (exchanged ? "The grant token is used up: make the store writable and authorize the application "
                  + "again." : "Make the store writable and store the refresh token again; if the server rotated "
                  + "it, authorize the application again."),
          ex);
    }
    if (fillUserName && saved.userName() == null) {
      saved = fillUser(saved);
    }
    counter.increment();
    Entry entry = cache.entryFor(Objects.requireNonNull(saved.id()));
    cache.publish(entry, saved);
    cache.remember(key, entry);
    events.emit(type, saved);
    return saved;
  }

  /**
   * Fills the user name from {@code users?type=CurrentUser}. If that user already has a record for this client
   * and API domain, the new tokens go into that record and the new one is deleted. A failed lookup leaves the
   * token without a user name (logged), never loses it.
   */
  private OAuthToken fillUser(OAuthToken saved) {
    String email;
    try {
      email = client.currentUserEmail(environment, saved.apiDomain() != null ? saved.apiDomain() : environment.apiDomain(),
          Objects.requireNonNull(saved.accessToken()));
    } catch (OAuthException ex) {
      Events.LOG.log(System.Logger.Level.WARNING, () -> "Could not fill the user name of "
          + TokenRules.describe(saved) + "; the token is saved without it: " + ex.getMessage());
      return saved;
    }
    if (email == null) {
      return saved;
    }
    try {
      OAuthToken named = store.saveToken(OAuthToken.builder().id(saved.id()).userName(email).build());
      events.emit(TokenEvent.Type.USER_NAME_FILLED, named);
      return named;
    } catch (StoreException ex) {
      if (ex.code() != ErrorCode.DUPLICATE_TOKEN) {
        throw ex;
      }
      OAuthToken existing = store.findToken(OAuthToken.builder().userName(email).clientId(saved.clientId())
          .apiDomain(saved.apiDomain()).build()).orElseThrow(() -> ex);
      OAuthToken merged = store.saveToken(saved.toBuilder().id(existing.id()).userName(email).build());
      String id = Objects.requireNonNull(saved.id());
      store.deleteToken(id);
      cache.forget(id);
      events.emit(TokenEvent.Type.USER_NAME_FILLED, merged);
      return merged;
    }
  }
}
