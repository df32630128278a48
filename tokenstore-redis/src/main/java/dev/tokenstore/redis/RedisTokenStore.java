package dev.tokenstore.redis;

import static dev.tokenstore.redis.RedisScripts.ALL;
import static dev.tokenstore.redis.RedisScripts.CLEAR;
import static dev.tokenstore.redis.RedisScripts.DELETE;
import static dev.tokenstore.redis.RedisScripts.FIND;
import static dev.tokenstore.redis.RedisScripts.SAVE;
import static dev.tokenstore.redis.ScriptValues.list;
import static dev.tokenstore.redis.ScriptValues.nz;
import static dev.tokenstore.redis.ScriptValues.string;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@link TokenStore} on Redis: a hash per token plus index sets for user name, access, grant and refresh
 * token, kept consistent by Lua scripts that run each operation atomically on the server (see the package
 * description for the key layout). Several processes may share one store; ids come from {@code INCR}. A token's
 * hash has Zoho's ten field names, and {@code issued_at} ({@link OAuthToken#issuedAt()}, epoch milliseconds)
 * when the token has an issue time; a save that sets a new expiry without one removes it.
 *
 * <p>Open it with {@code TokenStores.open("redis://[user:password@]host:6379/0?prefix=name")} or
 * {@link #open(String)}; {@code rediss://} connects with TLS, verifying the server's certificate and host name
 * against the JVM's trust store. URI parameters: {@code prefix} (default {@code tokenstore}; one store per
 * prefix) and {@code timeout} (connect and socket timeout in milliseconds, default 2000). Or wrap a Jedis
 * client you already have (e.g. a {@code RedisClusterClient}) with {@link #using(UnifiedJedis, String)}.
 *
 * <h2>Matching rules in Redis</h2>
 * The rules are decided in Java by {@link TokenKey#of(OAuthToken)}; {@link #lookupOf(TokenKey)} translates
 * the result into a lookup the scripts carry out without knowing any rule: an index to read and the field
 * values a candidate must have.
 * <table>
 *   <caption>TokenKey to Redis lookup</caption>
 *   <tr><th>TokenKey</th><th>index read</th><th>fields that must be equal</th></tr>
 *   <tr><td>ById</td><td>the hash {@code token:<id>}</td><td>id</td></tr>
 *   <tr><td>ByUser</td><td>{@code user:<sha1(user)>}</td><td>user_name; client_id and api_domain when set</td></tr>
 *   <tr><td>ByAccessToken</td><td>{@code access:<sha1>}</td><td>access_token</td></tr>
 *   <tr><td>ByGrantToken</td><td>{@code grant:<sha1>}</td><td>grant_token</td></tr>
 *   <tr><td>ByRefreshToken</td><td>{@code refresh:<sha1>}</td><td>refresh_token; client_id when set</td></tr>
 *   <tr><td>None</td><td>nothing</td><td>(no record)</td></tr>
 * </table>
 * A save runs as one script: lookup, ambiguity check, merge ({@link TokenRules#merge} field by field), the
 * "new record needs a token" check, the (user, client id, API domain) uniqueness check, id assignment and the
 * write of the hash and its index entries (stale entries removed). Its replies are mapped to the same
 * exceptions and messages as {@link TokenRules} produces for the other stores.
 *
 * <p>A server that cannot be reached gives {@link ErrorCode#STORE_UNAVAILABLE} within the timeout, never a
 * hang; the store works again once the server is back (pooled connections are checked before use).
 *
 * <h2>Refresh coordination</h2>
 * Token managers in several processes or machines sharing the store refresh each token once per expiry:
 * {@link #refreshCoordinator()} grants refresh leases with {@code SET <base>lease:<h> holder NX PX lease} (the
 * server's clock, so client clocks do not matter) and a fence from {@code HINCRBY} in one script, and releases
 * them with a compare-and-delete script; {@link #saveTokenIf} is the save script with a compare-and-set on the
 * stored access token, refresh token and client secret.
 *
 * <h2>Entries</h2>
 * The store's {@link EntryTable} ({@code capability(EntryTable.class)}) keeps one hash per kind,
 * <code>{prefix}:entry:&lt;kind&gt;</code>, name to value, in the store's slot; {@code HSETNX} makes an insert
 * create-if-absent with exactly one winner. {@link #getTokens()} and {@link #deleteTokens()} never touch them.
 *
 * <p>Thread-safe: the Jedis client pools connections, and every operation is one atomic server-side step,
 * except that {@link #getTokens()} and {@link #deleteTokens()} on more than 1,000 records work in atomic pages
 * of 1,000 so that a large store never blocks the server for long.
 */
public final class RedisTokenStore implements TokenStore, RefreshCoordination, ConditionalSave {
  private static final System.Logger LOG = System.getLogger(RedisTokenStore.class.getName());
  /** Records per script call in {@link #getTokens()} and {@link #deleteTokens()}. */
  private static final int PAGE = 1000;

  private final UnifiedJedis client;
  private final boolean ownsClient;
  private final String prefix;
  private final String base;
  private final String where;
  private final RedisScripts scripts;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RedisRefreshCoordinator coordinator;
  private final RedisEntryTable entries;

  private RedisTokenStore(UnifiedJedis client, boolean ownsClient, String prefix, String where) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.prefix = prefix;
    this.base = "{" + prefix + "}:";
    this.where = where;
    this.scripts = new RedisScripts(client, base, where);
    this.coordinator = new RedisRefreshCoordinator(client, scripts, this::checkOpen, base, where, prefix);
    this.entries = new RedisEntryTable(client, scripts, this::checkOpen, base, where);
  }

  /**
   * Opens the store a {@code redis://} or {@code rediss://} URI names. Connects lazily: a server that is down
   * now is reported by the first operation.
   *
   * @throws StoreException {@link ErrorCode#INVALID_STORE_URI} for a malformed URI (the message masks
   *     the password)
   */
  public static RedisTokenStore open(String uri) {
    Objects.requireNonNull(uri, "uri");
    RedisSettings s = RedisSettings.parse(uri);
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(s.timeoutMillis)
        .socketTimeoutMillis(s.timeoutMillis)
        .database(s.database)
        .clientName("tokenstore");
    if (s.user != null) {
      config.user(s.user);
    }
    if (s.password != null) {
      config.password(s.password);
    }
    if (s.tls) {
      // FULL: the certificate chain against the JVM's trust store (javax.net.ssl.trustStore) and the host name
      // as HTTPS checks it. There is deliberately no option to turn verification off.
      config.sslOptions(SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL).build());
    }
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(16);
    pool.setMaxIdle(16);
    pool.setMinIdle(0);
    pool.setBlockWhenExhausted(true);
    pool.setMaxWait(Duration.ofMillis(s.timeoutMillis));
    // No PING on borrow (a second round trip on every call): a call that meets a connection the server closed
    // (a restart) is made once more on a new connection (RedisScripts.run), so it still succeeds.
    pool.setTestOnBorrow(false);
    RedisClient client = RedisClient.builder()
        .hostAndPort(s.host, s.port)
        .clientConfig(config.build())
        .poolConfig(pool)
        .build();
    return new RedisTokenStore(client, true, s.prefix, s.masked);
  }

  /**
   * A store on a Jedis client the caller already has (a {@code RedisClient}, or a {@code RedisClusterClient}:
   * every script touches one slot). The caller keeps ownership: {@link #close()} does not close the client.
   * Timeouts and pool limits are the client's: configure connect and socket timeouts and a pool
   * {@code maxWait}, or a dead server can make calls wait long.
   *
   * @param prefix the store's key prefix, as in the URI's {@code prefix} parameter
   */
  public static RedisTokenStore using(UnifiedJedis client, String prefix) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(prefix, "prefix");
    if (!RedisSettings.validPrefix(prefix)) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "Redis store prefix '" + prefix + "': "
          + RedisSettings.PREFIX_RULE);
    }
    return new RedisTokenStore(client, false, prefix, "a " + client.getClass().getSimpleName() + " (prefix "
        + prefix + ")");
  }

  /** The key prefix; every key of this store starts with <code>{prefix}:</code>. */
  public String prefix() {
    return prefix;
  }

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    Objects.requireNonNull(query, "query");
    checkOpen();
    TokenKey key = TokenKey.of(query);
    if (key instanceof TokenKey.None) {
      return Optional.empty();
    }
    List<String> args = lookupArgs(lookupOf(key));
    Object reply = scripts.run("find a token", FIND, args);
    List<OAuthToken> matches = new ArrayList<>();
    for (Object flat : list(reply)) {
      OAuthToken t = toToken(list(flat));
      if (key.matches(t)) {
        matches.add(t);
      }
    }
    return TokenRules.single(key, matches);
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    Objects.requireNonNull(token, "token");
    return save(token, TokenKey.of(token), null).orElseThrow();
  }

  /**
   * Saves {@code update} only if the record with its id still holds the access token, refresh token and client
   * secret of {@code expected}: the save script with a compare-and-set; see {@link ConditionalSave}.
   */
  @Override
  public Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update) {
    Objects.requireNonNull(expected, "expected");
    String id = ConditionalSave.requireId(Objects.requireNonNull(update, "update"));
    return save(update, new TokenKey.ById(id), expected);
  }

  /** Leases under {@code <base>lease:} on the server; see the class comment. */
  @Override
  public RefreshCoordinator refreshCoordinator() {
    return coordinator;
  }

  private Optional<OAuthToken> save(OAuthToken token, TokenKey key, @Nullable OAuthToken expected) {
    checkOpen();
    TokenRules.requireWellFormed(token); // the save script merges on the server: check what it is given here
    List<String> args = lookupArgs(lookupOf(key));
    args.add(nz(token.id()));
    args.add(nz(token.userName()));
    args.add(nz(token.clientId()));
    args.add(nz(token.clientSecret()));
    args.add(nz(token.refreshToken()));
    args.add(nz(token.accessToken()));
    args.add(nz(token.grantToken()));
    args.add(token.expiresAt() == null ? "" : Long.toString(token.expiresAt().toEpochMilli()));
    args.add(nz(token.redirectUrl()));
    args.add(nz(token.apiDomain()));
    args.add(token.issuedAt() == null ? "" : Long.toString(token.issuedAt().toEpochMilli()));
    if (expected != null) {
      args.add("cas");
      args.add(nz(expected.accessToken()));
      args.add(nz(expected.refreshToken()));
      args.add(nz(expected.clientSecret()));
    }
    List<?> reply = list(scripts.run("save a token", SAVE, args));
    String status = string(reply.get(0));
    switch (status) {
      case "ok":
        return Optional.of(toToken(reply.subList(1, reply.size())));
      case "conflict":
        return Optional.empty();
      case "ambiguous": {
        List<OAuthToken> matches = new ArrayList<>();
        for (Object id : reply.subList(1, reply.size())) {
          matches.add(OAuthToken.builder().id(string(id)).build());
        }
        TokenRules.single(key, matches); // throws AMBIGUOUS_MATCH with the shared message
        throw new IllegalStateException("unreachable: several matches");
      }
      case "invalid":
        TokenRules.requireStorable(token); // throws INVALID_ARGUMENT with the shared message
        throw new IllegalStateException("unreachable: the token has a refresh, grant or access token");
      case "duplicate": {
        OAuthToken written = OAuthToken.builder().id(string(reply.get(1))).userName(string(reply.get(3)))
            .clientId(string(reply.get(4))).apiDomain(string(reply.get(5))).build();
        OAuthToken other = OAuthToken.builder().id(string(reply.get(2))).build();
        throw TokenRules.duplicate(written, other);
      }
      default:
        throw new StoreException(ErrorCode.CORRUPT_STORE,
            "Redis at " + where + " sent an unexpected reply to the save script. Check that no other program "
                + "writes the keys of prefix " + prefix + ".");
    }
  }

  /**
   * {@link EntryTable}: the entries in the hashes <code>{prefix}:entry:&lt;kind&gt;</code> (one per kind; see the
   * class comment); otherwise as {@link TokenStore#capability}.
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type == EntryTable.class) {
      return Optional.of(type.cast(entries));
    }
    return TokenStore.super.capability(type);
  }

  @Override
  public boolean deleteToken(String id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    Object reply = scripts.run("delete a token", DELETE, List.of(base, id));
    return reply instanceof Long && (Long) reply == 1L;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Up to 1,000 records are read in one atomic step; a larger store is read in pages of about 1,000 (each
   * atomic), so records saved or deleted while it is read may or may not be in the list.
   */
  @Override
  public List<OAuthToken> getTokens() {
    checkOpen();
    // Pages of about PAGE ids, each read atomically, so that a large store never blocks the server (or runs
    // into the socket timeout) in one script. SSCAN may return an id twice: the map keeps one record per id.
    Map<String, OAuthToken> byId = new HashMap<>();
    String cursor = "0";
    do {
      List<?> page = list(scripts.run("read all tokens", ALL, List.of(base, cursor, Integer.toString(PAGE))));
      cursor = string(page.get(0));
      for (Object flat : page.subList(1, page.size())) {
        OAuthToken t = toToken(list(flat));
        byId.put(Objects.requireNonNull(t.id(), "a stored token has an id"), t);
      }
    } while (!cursor.equals("0"));
    List<OAuthToken> out = new ArrayList<>(byId.values());
    out.sort(TokenRules.BY_ID);
    return out;
  }

  @Override
  public void deleteTokens() {
    checkOpen();
    while (true) {
      Object removed = scripts.run("delete all tokens", CLEAR, List.of(base, Integer.toString(PAGE)));
      if (!(removed instanceof Long) || (Long) removed == 0L) {
        return;
      }
    }
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    Objects.requireNonNull(id, "id");
    return findToken(OAuthToken.builder().id(id).build()).filter(t -> id.equals(t.id()));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    coordinator.close();
    if (ownsClient) {
      try {
        client.close();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing the Redis client of " + where + " failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "RedisTokenStore{" + where + ", prefix=" + prefix + (closed.get() ? ", closed" : "") + "}";
  }

  // ---------------------------------------------------------------------------------------------------
  // Matching rules -> script arguments

  /** A lookup the scripts understand: which index, which value, which fields a candidate must have. */
  record Lookup(String kind, String value, List<String> constraints) {}

  /** The one translation of {@link TokenKey} into Redis lookups (see the class description's table). */
  static Lookup lookupOf(TokenKey key) {
    List<String> c = new ArrayList<>();
    if (key instanceof TokenKey.ById k) {
      c.add("id");
      c.add(k.id());
      return new Lookup("id", k.id(), c);
    }
    if (key instanceof TokenKey.ByUser k) {
      c.add("user_name");
      c.add(k.userName());
      if (k.clientId() != null) {
        c.add("client_id");
        c.add(k.clientId());
      }
      if (k.apiDomain() != null) {
        c.add("api_domain");
        c.add(k.apiDomain());
      }
      return new Lookup("user", k.userName(), c);
    }
    if (key instanceof TokenKey.ByAccessToken k) {
      c.add("access_token");
      c.add(k.accessToken());
      return new Lookup("access", k.accessToken(), c);
    }
    if (key instanceof TokenKey.ByGrantToken k) {
      c.add("grant_token");
      c.add(k.grantToken());
      return new Lookup("grant", k.grantToken(), c);
    }
    if (key instanceof TokenKey.ByRefreshToken k) {
      c.add("refresh_token");
      c.add(k.refreshToken());
      if (k.clientId() != null) {
        c.add("client_id");
        c.add(k.clientId());
      }
      return new Lookup("refresh", k.refreshToken(), c);
    }
    return new Lookup("none", "", c);
  }

  private List<String> lookupArgs(Lookup lookup) {
    List<String> args = new ArrayList<>(16 + lookup.constraints().size());
    args.add(base);
    args.add(lookup.kind());
    args.add(lookup.value());
    args.add(Integer.toString(lookup.constraints().size() / 2));
    args.addAll(lookup.constraints());
    return args;
  }

  private OAuthToken toToken(List<?> flat) {
    return ScriptValues.toToken(flat, where, base);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new StoreException(ErrorCode.STORE_CLOSED,
          "This Redis store (" + where + ") is closed; open a new one.");
    }
  }
}
