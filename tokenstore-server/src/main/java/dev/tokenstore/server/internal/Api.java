package dev.tokenstore.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.server.ApiKey;
import dev.tokenstore.server.ApiKeys;
import dev.tokenstore.server.ApiScope;
import dev.tokenstore.server.internal.console.History;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The routes of the API and what each does: parse, call the library, write JSON. Every route goes through
 * {@link #handle}: API key and scope, the in-flight count (for a graceful stop), and failures as RFC 9457 problems.
 * Thread-safe.
 */
public final class Api {
  /** The request attribute holding the route ({@code "POST /api/v1/access-token"}), for logs and metrics. */
  public static final String ROUTE = "tokenstore.route";
  /** The request attribute holding the API key's name. */
  public static final String KEY = "tokenstore.key";
  /** The request attribute set once a problem (or a console page) was written: the error handlers leave it. */
  public static final String PROBLEM = "tokenstore.problem";

  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");
  private static final String JSON = "application/json";
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  /** A route: method, path (Javalin's syntax), the scope it needs (null: no key needed) and what it does. */
  public record Route(String method, String path, @Nullable ApiScope scope, Handler handler) {
    /** {@code "METHOD path"}. */
    public String name() {
      return method + " " + path;
    }
  }

  /** The defaults for {@code POST /api/v1/tokens} when a request leaves out the client. */
  public record DefaultClient(@Nullable String clientId, @Nullable String clientSecret) {}

  private final TokenStore store;
  private final Managers managers;
  private final ApiKeys keys;
  private final ServerMetrics metrics;
  private final AttemptLimiter limiter;
  private final Clock clock;
  private final int maxBodyBytes;
  private final DefaultClient defaultClient;
  /** The content security policy of every answer that is not a console page: nothing may load, run or frame it. */
  public static final String CSP_NONE = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger unwritten = new AtomicInteger();
  /** API requests at once; beyond, 503 BUSY, so that a slow accounts server never starves health checks. */
  private final Semaphore apiPermits;
  private volatile boolean draining;
  private final byte[] openApi;
  /** The console's history of actions (null without a console), where the API's changes are recorded too. */
  private final @Nullable History history;

  public Api(TokenStore store, Managers managers, ApiKeys keys, ServerMetrics metrics, AttemptLimiter limiter,
      Clock clock, int maxBodyBytes, DefaultClient defaultClient, int maxConcurrentRequests,
      @Nullable History history) {
    this.history = history;
    this.apiPermits = new Semaphore(maxConcurrentRequests);
    this.store = store;
    this.managers = managers;
    this.keys = keys;
    this.metrics = metrics;
    this.limiter = limiter;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
    this.defaultClient = defaultClient;
    this.openApi = openApiDocument();
  }

  /** Every route the service has (the OpenAPI document lists the same). */
  public List<Route> routes() {
    return List.of(
        new Route("POST", "/api/v1/access-token", ApiScope.READ, this::accessToken),
        new Route("GET", "/api/v1/tokens", ApiScope.READ, this::listTokens),
        new Route("POST", "/api/v1/tokens", ApiScope.ADMIN, this::storeToken),
        new Route("GET", "/api/v1/tokens/{id}", ApiScope.READ, this::getToken),
        new Route("DELETE", "/api/v1/tokens/{id}", ApiScope.ADMIN, this::deleteToken),
        new Route("GET", "/api/v1/openapi.json", null, this::openApi),
        new Route("GET", "/healthz", null, this::healthz),
        new Route("GET", "/readyz", null, this::readyz),
        new Route("GET", "/metrics", null, this::metrics));
  }

  /** Requests being handled now. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Requests routed here whose response has not been written yet: {@link #handle} counts one up, {@link #written}
   * (called by the request logger, after Javalin wrote the response) counts it down. A graceful stop waits for
   * this, not for the handlers alone, so that no answer is cut off by the server stopping.
   */
  public int unwritten() {
    return unwritten.get();
  }

  /** A response of a routed request was written (see {@link #unwritten()}). */
  public void written() {
    unwritten.decrementAndGet();
  }

  /** From now on, every request is refused with 503 {@code SHUTTING_DOWN}. */
  public void drain() {
    draining = true;
  }

  /** Runs {@code route} for one request. */
  public void handle(Route route, Context ctx) {
    ctx.attribute(ROUTE, route.name());
    unwritten.incrementAndGet();
    inFlight.incrementAndGet(); // before the draining check: close() sees every request that got past it
    if (draining) {
      inFlight.decrementAndGet();
      ctx.header("Connection", "close");
      problem(ctx, new Problem(503, "SHUTTING_DOWN", "This instance is shutting down; send the request to another "
          + "instance or try again.", Duration.ofSeconds(1)));
      return;
    }
    boolean api = route.scope() != null;
    if (api && !apiPermits.tryAcquire()) {
      inFlight.decrementAndGet();
      problem(ctx, new Problem(503, "BUSY", "This instance is handling as many requests as it may (most wait for "
          + "the accounts server); try again, or another instance.", Duration.ofSeconds(1)));
      return;
    }
    try {
      if (api && !authorized(ctx, Objects.requireNonNull(route.scope()))) {
        return;
      }
      route.handler().handle(ctx);
    } catch (HttpProblem e) {
      problem(ctx, e.problem);
    } catch (TokenstoreException e) {
      Problem p = Problem.of(e);
      if (p.status() >= 500 && e instanceof StoreException) {
        // the store's message names paths, hosts and tables: for the operator's log, not for API clients
        LOG.log(Level.WARNING, route.name() + " failed: [" + e.code() + "] " + e.getMessage());
        p = new Problem(p.status(), p.code(), "The token store failed (" + e.code() + "); the service's log has "
            + "the details.", p.retryAfter());
      }
      problem(ctx, p);
    } catch (Exception e) {
      LOG.log(Level.ERROR, "Unexpected failure of " + route.name(), e);
      problem(ctx, Problem.of(500, "INTERNAL_ERROR", "An unexpected failure (" + e.getClass().getSimpleName()
          + "); the service's log has the details."));
    } finally {
      inFlight.decrementAndGet();
      if (api) {
        apiPermits.release();
      }
    }
  }

  private boolean authorized(Context ctx, ApiScope needed) {
    String header = ctx.header("Authorization");
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      metrics.keyFailure();
      ctx.header("WWW-Authenticate", "Bearer realm=\"tokenstore\"");
      problem(ctx, Problem.of(401, "UNAUTHORIZED", "Send an API key: Authorization: Bearer KEY (make one with "
          + "tokenstore api-keys create --name NAME)."));
      return false;
    }
    // a valid key is always let in: wrong keys from an address (behind a proxy or NAT: many clients) must not
    // lock out the others; the limit only slows down guessing
    Optional<ApiKey> key = keys.authenticate(header.substring(7).trim());
    if (key.isEmpty()) {
      metrics.keyFailure();
      String address = ctx.ip();
      Duration wait = limiter.blockedFor(address);
      if (!wait.isZero()) {
        problem(ctx, new Problem(429, "TOO_MANY_ATTEMPTS", "Too many requests with a wrong API key from this "
            + "address; try again later.", wait));
        return false;
      }
      limiter.failed(address);
      ctx.header("WWW-Authenticate", "Bearer realm=\"tokenstore\", error=\"invalid_token\"");
      problem(ctx, Problem.of(401, "UNAUTHORIZED", "The API key is not known (wrong, or revoked). Check the key, "
          + "or list the keys with tokenstore api-keys list."));
      return false;
    }
    ctx.attribute(KEY, key.get().name());
    if (!key.get().scope().allows(needed)) {
      problem(ctx, Problem.of(403, "FORBIDDEN", "The API key '" + key.get().name() + "' has the scope '"
          + key.get().scope().label() + "'; this needs '" + needed.label() + "'."));
      return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------- routes

  private void accessToken(Context ctx) {
    JsonBodies.Fields f = body(ctx, Set.of("id", "user_name", "client_id", "api_domain"));
    String id = f.get("id");
    String user = f.get("user_name");
    if ((id == null) == (user == null)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Give either \"id\" or \"user_name\" (with, "
          + "optionally, \"client_id\" and \"api_domain\").");
    }
    if (id != null && (f.get("client_id") != null || f.get("api_domain") != null)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "\"id\" names one token: leave out \"client_id\" "
          + "and \"api_domain\".");
    }
    OAuthToken query = OAuthToken.builder().id(id).userName(user).clientId(f.get("client_id"))
        .apiDomain(f.get("api_domain")).build();
    TokenManager manager = managers.forQuery(query);
    OAuthToken t = manager.getToken(query);
    Instant exp = t.expiresAt();
    ObjectNode out = JsonBodies.object()
        .put("access_token", t.accessToken())
        .put("authorization_scheme", manager.environment().authorizationScheme())
        .put("expires_at", exp == null ? null : exp.toString());
    if (exp != null) {
      out.put("expires_in", Math.max(0, Duration.between(clock.instant(), exp).toSeconds()));
    }
    out.put("api_domain", t.apiDomain()).put("user_name", t.userName()).put("id", t.id());
    ctx.header("Cache-Control", "no-store").header("Pragma", "no-cache");
    json(ctx, 200, out);
  }

  private void listTokens(Context ctx) {
    int limit = intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    String after = ctx.queryParam("after");
    String user = ctx.queryParam("user_name");
    String status = ctx.queryParam("status");
    TokenStatus wanted = null;
    if (status != null) {
      try {
        wanted = TokenStatus.valueOf(status.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "status is one of valid, expiring, expired, "
            + "not_exchanged, reauthorization_required.");
      }
    }
    Instant now = clock.instant();
    // one keyset page (and one record more, to know whether there is a next page), never every record; a record
    // that cannot be read (an encrypted store's damaged record) is an item of status "damaged" with its error
    List<TokenPages.Item> page = TokenPages.of(store).items(new TokenPages.Filter(user, null, null, wanted), after,
        limit + 1, now);
    ArrayNode items = JsonBodies.MAPPER.createArrayNode();
    String last = null;
    for (TokenPages.Item i : page.subList(0, Math.min(limit, page.size()))) {
      OAuthToken t = i.token();
      items.add(t != null ? item(t, now) : damagedItem(i));
      last = i.id();
    }
    boolean more = page.size() > limit;
    ObjectNode out = JsonBodies.object();
    out.set("items", items);
    out.put("next_after", more ? last : null);
    json(ctx, 200, out);
  }

  private void getToken(Context ctx) {
    json(ctx, 200, item(stored(ctx.pathParam("id")), clock.instant()));
  }

  private void deleteToken(Context ctx) {
    String id = ctx.pathParam("id");
    String revokeParam = ctx.queryParam("revoke");
    boolean revoke = revokeParam == null || Boolean.parseBoolean(revokeParam);
    if (revokeParam != null && !revokeParam.equals("true") && !revokeParam.equals("false")) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "revoke is true or false.");
    }
    OAuthToken t;
    try {
      t = stored(id);
    } catch (TokenstoreException e) {
      if (!TokenPages.UNREADABLE_RECORD.contains(e.code())) {
        throw e;
      }
      if (revoke) {
        throw new TokenstoreException(e.code(), "The token cannot be revoked: " + e.getMessage() + " To delete it "
            + "without revoking, send DELETE /api/v1/tokens/{id}?revoke=false.", e);
      }
      // a record that cannot be read (damaged, another key) cannot be revoked, but deleting it is the way out
      if (!store.deleteToken(id)) {
        throw new TokenstoreException(ErrorCode.TOKEN_NOT_FOUND, "No stored token has the id "
            + Secrets.shorten(id) + ".");
      }
      managers.forget(id);
      record(ctx, "deleted", id, null, "DELETE /api/v1/tokens/{id}?revoke=false (unreadable record: " + e.code()
          + ")");
      json(ctx, 200, JsonBodies.object().put("id", id).put("revoked", false).put("deleted", true));
      return;
    }
    boolean revoked = false;
    if (revoke) {
      revoked = managers.forRecord(t).revoke(OAuthToken.builder().id(id).build());
    } else {
      store.deleteToken(id);
    }
    managers.forget(id);
    record(ctx, revoke ? "revoked" : "deleted", id, t.userName(), revoke ? "DELETE /api/v1/tokens/{id}: revoked at "
        + "the server (" + revoked + ") and deleted" : "DELETE /api/v1/tokens/{id}?revoke=false");
    json(ctx, 200, JsonBodies.object().put("id", id).put("revoked", revoked).put("deleted", true));
  }

  private void storeToken(Context ctx) {
    JsonBodies.Fields f = body(ctx, Set.of("grant_token", "refresh_token", "code_verifier", "client_id",
        "client_secret", "redirect_url", "user_name", "api_domain"));
    String grant = f.get("grant_token");
    String refresh = f.get("refresh_token");
    if ((grant == null) == (refresh == null)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Give either \"grant_token\" (an authorization code,"
          + " with \"redirect_url\" and, for PKCE, \"code_verifier\") or \"refresh_token\".");
    }
    String clientId = f.get("client_id") != null ? f.get("client_id") : defaultClient.clientId();
    if (clientId == null) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Give \"client_id\" (this service has no default "
          + "client: start it with --client-id).");
    }
    String secret = f.get("client_secret") != null ? f.get("client_secret")
        : clientId.equals(defaultClient.clientId()) ? defaultClient.clientSecret() : null;
    OAuthToken request = OAuthToken.builder().userName(f.get("user_name")).clientId(clientId).clientSecret(secret)
        .redirectUrl(f.get("redirect_url")).apiDomain(f.get("api_domain")).grantToken(grant).refreshToken(refresh)
        .build();
    TokenManager manager = managers.forRecord(request);
    OAuthToken saved = grant != null
        ? manager.exchange(request, f.get("code_verifier"))
        : manager.importRefreshToken(request);
    managers.forgetRoutes();
    record(ctx, grant != null ? "exchanged" : "imported", saved.id(), saved.userName(), "POST /api/v1/tokens");
    ctx.header("Location", "/api/v1/tokens/" + saved.id());
    json(ctx, 201, item(saved, clock.instant()));
  }

  private void openApi(Context ctx) {
    ctx.status(200).contentType(JSON).result(openApi);
  }

  private void healthz(Context ctx) {
    json(ctx, 200, JsonBodies.object().put("status", "ok"));
  }

  private void readyz(Context ctx) {
    store.findTokenById("0"); // a read the store must answer; its failure is a 503 problem
    keys.probeWrite(); // and a write: a store that cannot save refresh results is not ready
    json(ctx, 200, JsonBodies.object().put("status", "ready"));
  }

  private void metrics(Context ctx) {
    ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
  }

  // ------------------------------------------------------------------------------------------ helpers

  private void record(Context ctx, String action, @Nullable String id, @Nullable String user, String detail) {
    if (history != null) {
      history.add("API key " + ctx.attribute(KEY), action, id, user, detail);
    }
  }

  private OAuthToken stored(String id) {
    return store.findTokenById(id).orElseThrow(() -> new TokenstoreException(ErrorCode.TOKEN_NOT_FOUND,
        "No stored token has the id " + Secrets.shorten(id) + "."));
  }

  /**
   * A record that cannot be read: its id, user name, status {@code damaged} and the error (code and message, which
   * names the record and what to do, never a secret). It can be deleted with {@code DELETE ...?revoke=false}.
   */
  private static ObjectNode damagedItem(TokenPages.Item i) {
    TokenstoreException e = Objects.requireNonNull(i.error());
    ObjectNode out = JsonBodies.object()
        .put("id", i.id())
        .put("user_name", i.userName())
        .put("status", DAMAGED);
    out.putObject("error").put("code", e.code().name()).put("message", e.getMessage());
    return out;
  }

  /** The status of a listed record that cannot be read. */
  static final String DAMAGED = "damaged";

  private static ObjectNode item(OAuthToken t, Instant now) {
    Instant exp = t.expiresAt();
    Instant issued = t.issuedAt();
    return JsonBodies.object()
        .put("id", t.id())
        .put("user_name", t.userName())
        .put("client_id", t.clientId())
        .put("api_domain", t.apiDomain())
        .put("redirect_url", t.redirectUrl())
        .put("expires_at", exp == null ? null : exp.toString())
        .put("issued_at", issued == null ? null : issued.toString())
        .put("status", TokenStatus.of(t, now).jsonName())
        .put("has_refresh_token", t.refreshToken() != null);
  }

  private JsonBodies.Fields body(Context ctx, Set<String> known) {
    String type = ctx.contentType();
    if (type == null || !type.split(";", 2)[0].strip().equalsIgnoreCase(JSON)) {
      throw new HttpProblem(Problem.of(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with the header "
          + "Content-Type: application/json."));
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw new HttpProblem(tooLarge());
    }
    byte[] body;
    try (InputStream in = ctx.bodyInputStream()) {
      body = in.readNBytes(maxBodyBytes + 1);
    } catch (IOException e) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The request body could not be read.");
    }
    if (body.length > maxBodyBytes) {
      throw new HttpProblem(tooLarge());
    }
    return JsonBodies.parse(body, known);
  }

  private Problem tooLarge() {
    return Problem.of(413, "PAYLOAD_TOO_LARGE", "A request body may hold at most " + maxBodyBytes + " bytes.");
  }

  private static int intParam(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, name + " is a number from " + min + " to " + max + ".");
  }

  private static void json(Context ctx, int status, ObjectNode body) {
    ctx.status(status).contentType(JSON).result(JsonBodies.bytes(body));
  }

  /** Writes {@code p} as {@code application/problem+json}. */
  public static void problem(Context ctx, Problem p) {
    ctx.attribute(PROBLEM, p.code());
    // a problem answers any path, the console's and the portal's too: nothing in it may run, frame or be sniffed
    ctx.header("Content-Security-Policy", CSP_NONE);
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("X-Content-Type-Options", "nosniff");
    if (p.retryAfter() != null) {
      ctx.header("Retry-After", Long.toString(Math.max(1, (p.retryAfter().toMillis() + 999) / 1000)));
    }
    ObjectNode n = JsonBodies.object()
        .put("type", p.type())
        .put("title", p.title())
        .put("status", p.status())
        .put("detail", p.detail())
        .put("code", p.code())
        .put("instance", ctx.path());
    ctx.status(p.status()).contentType("application/problem+json").result(JsonBodies.bytes(n));
  }

  /** Whether a problem was written for this request. */
  public static boolean problemWritten(Context ctx) {
    return ctx.attribute(PROBLEM) != null;
  }

  private static byte[] openApiDocument() {
    try (InputStream in = Api.class.getResourceAsStream("/dev/tokenstore/server/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("openapi.json could not be read", e);
    }
  }

  /** A failure that is an HTTP problem of the service itself (not of the library). */
  static final class HttpProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Problem problem;

    HttpProblem(Problem problem) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
    }
  }
}
