package dev.tokenstore.server.internal;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One {@link TokenManager} per environment (accounts server), and which one serves a request. With the
 * environment resolved from each stored record (Zoho's data centres), the first request for a key reads its
 * record once; later requests for that key go straight to its manager, whose hand-out cache is a map read.
 * Thread-safe.
 */
public final class Managers {
  private static final int MAX_ROUTES = 100_000;

  private final TokenStore store;
  private final Function<OAuthToken, Environment> environmentFor;
  private final Function<Environment, TokenManager> build;
  private final ConcurrentHashMap<Environment, TokenManager> byEnvironment = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<TokenKey, TokenManager> byKey = new ConcurrentHashMap<>();
  private volatile Consumer<String> forgotten = id -> { };

  /**
   * @param environmentFor the environment of a stored record (or of a new one being stored)
   * @param build a new manager for an environment
   */
  public Managers(TokenStore store, Function<OAuthToken, Environment> environmentFor,
      Function<Environment, TokenManager> build) {
    this.store = store;
    this.environmentFor = environmentFor;
    this.build = build;
  }

  /** The manager of the stored record {@code query} means. */
  public TokenManager forQuery(OAuthToken query) {
    TokenKey key = TokenKey.of(query);
    TokenManager m = byKey.get(key);
    if (m != null) {
      return m;
    }
    if (key instanceof TokenKey.None) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Name a token: give its id, or a user name.");
    }
    OAuthToken stored = store.findToken(query).orElseThrow(() -> new TokenstoreException(ErrorCode.TOKEN_NOT_FOUND,
        "No stored token matches " + TokenRules.describe(query) + ". Store one first (POST /api/v1/tokens, or "
            + "tokenstore login / exchange / import)."));
    m = forRecord(stored);
    if (byKey.size() >= MAX_ROUTES) {
      byKey.clear();
    }
    byKey.put(key, m);
    return m;
  }

  /** The manager for {@code record}'s environment. */
  public TokenManager forRecord(OAuthToken record) {
    return byEnvironment.computeIfAbsent(environmentFor.apply(record), build);
  }

  /**
   * After the record {@code id} was deleted or replaced by a direct store write: forgets which manager serves
   * which key, and what every manager holds in memory for that record, so that this instance never hands it out
   * again (other instances see it within their recheck period).
   */
  public void forget(String id) {
    byKey.clear();
    for (TokenManager m : byEnvironment.values()) {
      m.invalidate(id);
    }
    forgotten.accept(id);
  }

  /**
   * Sets what else must forget a record that {@link #forget} forgets (the console's record of its refreshes: a
   * store may give a new token the id of a deleted one). Set once, while the server is built.
   */
  public void onForget(Consumer<String> then) {
    this.forgotten = then;
  }

  /** Forgets which manager serves which key (after a record was deleted or stored anew). */
  public void forgetRoutes() {
    byKey.clear();
  }

  /** The managers made so far. */
  public List<TokenManager> all() {
    return new ArrayList<>(byEnvironment.values());
  }
}
