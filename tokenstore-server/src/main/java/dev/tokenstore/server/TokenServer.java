package dev.tokenstore.server;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenEventListener;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.oauth.TokenManagerMetrics;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.server.internal.Api;
import dev.tokenstore.server.internal.AttemptLimiter;
import dev.tokenstore.server.internal.Managers;
import dev.tokenstore.server.internal.Problem;
import dev.tokenstore.server.internal.RefreshAhead;
import dev.tokenstore.server.internal.ServerMetrics;
import dev.tokenstore.server.internal.console.Activity;
import dev.tokenstore.server.internal.console.AdminPassword;
import dev.tokenstore.server.internal.console.Console;
import dev.tokenstore.server.internal.console.History;
import dev.tokenstore.server.internal.console.Portal;
import dev.tokenstore.spi.EntryTable;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * {@code tokenstore serve} as a library: an HTTP token service over a {@link TokenStore}. Applications ask
 * {@code POST /api/v1/access-token} with an API key ({@link ApiKeys}) and get a valid access token; they never see
 * a refresh token or a client secret. The API (JSON under {@code /api/v1}, errors as RFC 9457
 * {@code application/problem+json}) is described by its OpenAPI document at {@code /api/v1/openapi.json};
 * {@code /healthz}, {@code /readyz} and {@code /metrics} (Prometheus) serve operations.
 *
 * <p>The service keeps no state of its own: run as many instances as needed on one shared store (PostgreSQL,
 * MySQL/MariaDB, Redis; SQLite or a file on one host). Tokens are refreshed through {@link TokenManager}s, whose
 * single flight and the store's refresh leases make one token-endpoint call per expiry across all instances.
 *
 * <pre>{@code
 * try (TokenStore store = TokenStores.open("sqlite:/var/lib/tokenstore/tokens.db");
 *      TokenServer server = TokenServer.builder(store).port(8470).build().start()) {
 *   NewApiKey key = server.apiKeys().create("portal", ApiScope.READ); // give key.key() to the app
 *   server.awaitStop();
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops gracefully: new requests get 503, requests under way (and their refreshes) finish
 * within the grace period, refresh results not yet saved are saved, then the server stops. It does not close the
 * store. Thread-safe.
 */
public final class TokenServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");
  private static final System.Logger ACCESS = System.getLogger("dev.tokenstore.server.access");

  private final Builder settings;
  private final TokenStore store;
  private final ApiKeys apiKeys;
  private final Managers managers;
  private final ServerMetrics metrics;
  private final Api api;
  /** The console's record of the managers' refreshes; null without the console. */
  private final @Nullable Activity activity;
  private final List<Console.Route> pages = new ArrayList<>();
  private final Javalin app;
  private @Nullable RefreshAhead refreshAhead;
  private volatile boolean started;
  private volatile boolean stopped;
  private final Object lifecycle = new Object();

  private TokenServer(Builder b) {
    this.settings = b;
    this.store = b.store;
    this.apiKeys = b.apiKeys != null ? b.apiKeys : ApiKeys.of(store);
    TokenEventListener[] m = new TokenEventListener[1]; // the managers' listener, made just below
    this.managers = new Managers(store, b.environmentFor, env -> {
      return b.managerSettings.apply(TokenManager.builder().recheckStoreAfter(b.recheckStoreAfter))
          .store(store).environment(env).clock(b.clock).listener(Objects.requireNonNull(m[0]))
          .fillUserName(env.protocol() == Environment.Protocol.ZOHO) // an exchange without a user name: Zoho's
          .build();
    });
    this.metrics = new ServerMetrics(() -> {
      List<TokenManagerMetrics> figures = new ArrayList<>();
      for (TokenManager manager : managers.all()) {
        figures.add(manager.metrics());
      }
      return figures;
    });
    AttemptLimiter limiter = new AttemptLimiter(b.failedAttempts, Duration.ofMinutes(1), b.clock::millis);
    History history = null;
    Activity done = null;
    if (b.adminPassword != null || b.portal != null) {
      EntryTable entries = store.capability(EntryTable.class).orElseThrow(() -> new TokenstoreException(
          ErrorCode.INVALID_ARGUMENT, "The console and the portal keep their history in the store's EntryTable, "
              + "which this store does not offer (the memory, file, SQL and Redis stores do)."));
      history = new History(entries, b.clock);
      if (b.adminPassword != null) {
        done = new Activity(entries, b.clock);
        managers.onForget(done::forget);
      }
    }
    this.activity = done;
    if (done == null) {
      m[0] = metrics;
    } else {
      Activity a = done;
      m[0] = event -> {
        metrics.onEvent(event);
        a.onEvent(event);
      };
    }
    // with the console, the API's changes (which API key stored or deleted what) are in its history too
    this.api = new Api(store, managers, apiKeys, metrics, limiter, b.clock, b.maxRequestBytes,
        new Api.DefaultClient(b.clientId, b.clientSecret), b.maxConcurrentRequests, history);
    if (history != null) {
      boolean tls = b.tlsKeystore != null;
      if (b.adminPassword != null) {
        pages.addAll(new Console(store, managers, b.adminPassword, history, Objects.requireNonNull(done), b.clock, tls,
            b.consoleIdle).routes());
      }
      if (b.portal != null) {
        pages.addAll(new Portal(store, managers, history, b.portal, () -> uri().toString(), tls, b.clock).routes());
      }
    }
    this.app = Javalin.create(this::configure);
  }

  /** The most of a refused (413) request body read and dropped so that the client gets the answer. */
  private static final int DRAIN_BYTES = 1 << 20;

  /**
   * Reads and drops what is left of a request body refused as too large (up to {@value #DRAIN_BYTES} bytes), and
   * closes the connection after the answer. A server that answers while the client is still sending, then closes
   * with the body unread, makes the kernel reset the connection, and the reset can destroy the answer before the
   * client reads it ("no bytes received" instead of the 413). A larger body is left unread: its client may see a reset.
   */
  private static void drainBody(io.javalin.http.Context ctx) {
    ctx.header("Connection", "close");
    try {
      java.io.InputStream in = ctx.req().getInputStream();
      byte[] buffer = new byte[8192];
      int left = DRAIN_BYTES;
      for (int n; left > 0 && (n = in.read(buffer, 0, Math.min(buffer.length, left))) >= 0; ) {
        left -= n;
      }
    } catch (java.io.IOException | IllegalStateException e) {
      // the body was already read or the connection is gone: nothing to drain
    }
  }

  private void configure(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.startup.showOldJavalinVersionWarning = false;
    config.http.prefer405over404 = true;
    config.http.maxRequestSize = settings.maxRequestBytes;
    config.http.generateEtags = false;
    config.jetty.modifyHttpConfiguration(h -> h.setSendServerVersion(false));
    config.jetty.modifyServer(server -> server.setErrorHandler(new Errors()));
    // room for the API's requests plus health checks and metrics, which are never refused for being busy
    config.jetty.threadPool = new org.eclipse.jetty.util.thread.QueuedThreadPool(
        settings.maxConcurrentRequests + 50, 8, 60_000);
    if (settings.tlsKeystore != null) {
      Path keystore = settings.tlsKeystore;
      char[] password = Objects.requireNonNull(settings.tlsPassword);
      config.jetty.addConnector((server, http) -> {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keystore.toString());
        tls.setKeyStoreType("PKCS12");
        tls.setKeyStorePassword(new String(password));
        HttpConfiguration https = new HttpConfiguration(http);
        // the client checks the certificate's names; the server does not also refuse a request whose SNI (or
        // Host) is not among them (e.g. the address it prints, https://127.0.0.1:PORT, with a certificate for a name)
        SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
            new HttpConnectionFactory(https));
        c.setHost(settings.host);
        c.setPort(settings.port);
        return c;
      });
    }
    // Javalin routes by X-HTTP-Method-Override when a request has it: a GET would reach a POST or DELETE handler,
    // past any proxy or firewall rule that lets only some methods through. No client of the service needs it.
    config.routes.before(ctx -> {
      // the baseline of every answer, whatever writes it (a route, an error handler, Javalin's own HEAD, OPTIONS
      // and 405 answers): nothing in it may run, be framed or be sniffed; console pages set their own policy
      ctx.header("Content-Security-Policy", Api.CSP_NONE);
      ctx.header("X-Frame-Options", "DENY");
      ctx.header("X-Content-Type-Options", "nosniff");
      if (ctx.req().getHeader("X-HTTP-Method-Override") != null) {
        Api.problem(ctx, Problem.of(400, "INVALID_ARGUMENT", "The service takes no X-HTTP-Method-Override; send "
            + "the request with its own method."));
        ctx.skipRemainingHandlers();
      }
    });
    for (Api.Route r : api.routes()) {
      switch (r.method()) {
        case "GET" -> config.routes.get(r.path(), ctx -> api.handle(r, ctx));
        case "POST" -> config.routes.post(r.path(), ctx -> api.handle(r, ctx));
        case "DELETE" -> config.routes.delete(r.path(), ctx -> api.handle(r, ctx));
        default -> throw new IllegalStateException(r.method());
      }
    }
    for (Console.Route p : pages) {
      Api.Route r = new Api.Route(p.method(), p.path(), null, p.handler());
      switch (p.method()) {
        case "GET" -> config.routes.get(r.path(), ctx -> api.handle(r, ctx));
        case "POST" -> config.routes.post(r.path(), ctx -> api.handle(r, ctx));
        default -> throw new IllegalStateException(r.method());
      }
    }
    config.routes.error(404, "*", ctx -> {
      if (!Api.problemWritten(ctx)) {
        Api.problem(ctx, Problem.of(404, "NOT_FOUND", "No such resource; the API is under /api/v1 (see "
            + "/api/v1/openapi.json)."));
      }
    });
    config.routes.error(405, "*", ctx -> {
      if (!Api.problemWritten(ctx)) {
        Api.problem(ctx, Problem.of(405, "METHOD_NOT_ALLOWED", "This resource does not take " + ctx.method() + "."));
      }
    });
    config.routes.error(413, "*", ctx -> {
      drainBody(ctx);
      if (!Api.problemWritten(ctx)) {
        Api.problem(ctx, Problem.of(413, "PAYLOAD_TOO_LARGE", "A request body may hold at most "
            + settings.maxRequestBytes + " bytes."));
      }
    });
    config.requestLogger.http((ctx, ms) -> {
      String route = ctx.attribute(Api.ROUTE);
      if (route != null) {
        api.written();
      }
      int status = ctx.statusCode();
      metrics.request(ctx.method().name(), route == null ? "unmatched" : route, status,
          (long) (ms * 1_000_000L));
      if (settings.accessLog && ACCESS.isLoggable(Level.INFO)) {
        String key = ctx.attribute(Api.KEY);
        // the route, never the path: a path may hold anything a client sent (a token, a key)
        ACCESS.log(Level.INFO, ctx.ip() + " " + (key == null ? "-" : key) + " \""
            + (route == null ? ctx.method().name() + " (no such route)" : route) + "\" " + status + " "
            + String.format(java.util.Locale.ROOT, "%.2f", ms) + "ms");
      }
    });
  }

  /**
   * Jetty's own error pages (a request it refuses before routing: a URI too long, headers too large, an illegal
   * path) with the headers of the service's other answers: nothing in them may run, be framed or be sniffed.
   */
  private static final class Errors extends org.eclipse.jetty.server.handler.ErrorHandler {
    @Override
    protected void generateResponse(org.eclipse.jetty.server.Request request,
        org.eclipse.jetty.server.Response response, int code, String message, Throwable cause,
        org.eclipse.jetty.util.Callback callback) throws java.io.IOException {
      secure(response.getHeaders());
      super.generateResponse(request, response, code, message, cause, callback);
    }

    @Override
    public java.nio.ByteBuffer badMessageError(int status, String reason,
        org.eclipse.jetty.http.HttpFields.Mutable fields) {
      secure(fields);
      return super.badMessageError(status, reason, fields);
    }

    private static void secure(org.eclipse.jetty.http.HttpFields.Mutable fields) {
      fields.put("Content-Security-Policy", Api.CSP_NONE);
      fields.put("X-Frame-Options", "DENY");
      fields.put("X-Content-Type-Options", "nosniff");
    }
  }

  /** A builder of a service over {@code store}. */
  public static Builder builder(TokenStore store) {
    return new Builder(store);
  }

  /**
   * Starts listening (and, when set, refreshing ahead). Returns this server.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when the address cannot be bound (the port is
   *     in use, or the host is not an address of this machine) or the TLS key store cannot be read
   */
  public TokenServer start() {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("already started");
      }
      started = true;
      try {
        app.start(settings.host, settings.port);
      } catch (RuntimeException e) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Cannot listen on " + settings.host + ":"
            + settings.port + " (" + Secrets.shorten(String.valueOf(rootMessage(e))) + "). Choose another port "
            + "(--port), or check the address and the TLS key store.", e);
      }
      if (settings.refreshAheadEvery != null) {
        refreshAhead = new RefreshAhead(store, managers, settings.clock, settings.refreshAheadEvery,
            TokenStatus.DEFAULT_WINDOW);
      }
      return this;
    }
  }

  private static @Nullable String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /** The port it listens on (the one chosen when the builder's port was 0). */
  public int port() {
    return app.port();
  }

  /** The base URI, e.g. {@code http://127.0.0.1:8470}. */
  public URI uri() {
    String host = settings.host.contains(":") ? "[" + settings.host + "]" : settings.host;
    return URI.create((settings.tlsKeystore != null ? "https" : "http") + "://" + host + ":" + port());
  }

  /** The API keys this service accepts. */
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /** Blocks until {@link #close()} has stopped the server (from another thread or a shutdown hook). */
  public void awaitStop() throws InterruptedException {
    synchronized (lifecycle) {
      while (!stopped) {
        lifecycle.wait();
      }
    }
  }

  /**
   * Stops gracefully (see the class comment); the store stays open. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (stopped) {
        return;
      }
      api.drain();
      long deadline = System.nanoTime() + settings.shutdownGrace.toNanos();
      while ((api.inFlight() > 0 || api.unwritten() > 0) && System.nanoTime() < deadline) {
        try {
          lifecycle.wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (api.inFlight() == 0 && api.unwritten() == 0) {
        try {
          lifecycle.wait(100); // the last responses leave Jetty's buffers for the sockets
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (api.inFlight() > 0) {
        LOG.log(Level.WARNING, api.inFlight() + " request(s) still running after the grace period of "
            + settings.shutdownGrace.toSeconds() + " s; stopping anyway");
      }
      if (refreshAhead != null) {
        refreshAhead.close();
      }
      for (TokenManager m : managers.all()) {
        try {
          m.saveUnsaved();
        } catch (TokenstoreException e) {
          LOG.log(Level.ERROR, "refresh results of token ids " + m.unsavedTokenIds() + " could not be saved: ["
              + e.code() + "] " + e.getMessage());
        }
      }
      if (activity != null) {
        activity.close(); // writes the refreshes still queued
      }
      if (started) {
        app.stop();
      }
      stopped = true;
      lifecycle.notifyAll();
    }
  }

  /** The routes (for the test that holds the OpenAPI document to them). */
  java.util.List<Api.Route> routes() {
    return api.routes();
  }

  @Override
  public String toString() {
    return "TokenServer[" + (started ? uri() : settings.host + ":" + settings.port) + ", "
        + store.getClass().getSimpleName() + "]";
  }

  /**
   * Settings of a {@link TokenServer}. Not thread-safe; {@link #build()} copies nothing, so build once.
   */
  public static final class Builder {
    private final TokenStore store;
    private @Nullable ApiKeys apiKeys;
    private Function<OAuthToken, Environment> environmentFor = Builder::zohoEnvironment;
    private UnaryOperator<TokenManager.Builder> managerSettings = b -> b;
    private Clock clock = Clock.systemUTC();
    private String host = "127.0.0.1";
    private int port = 8470;
    private @Nullable Path tlsKeystore;
    private char @Nullable [] tlsPassword;
    private @Nullable Duration refreshAheadEvery;
    private int maxRequestBytes = 64 * 1024;
    private Duration shutdownGrace = Duration.ofSeconds(60);
    private @Nullable Duration recheckStoreAfter = Duration.ofSeconds(1);
    private int maxConcurrentRequests = 200;
    private boolean accessLog = true;
    private int failedAttempts = 20;
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable AdminPassword adminPassword;
    private Duration consoleIdle = Duration.ofMinutes(15);
    private Portal.@Nullable Settings portal;

    private Builder(TokenStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    private static Environment zohoEnvironment(OAuthToken token) {
      return Environment.zohoFromApiDomain(token.apiDomain()).orElseThrow(() -> new TokenstoreException(
          ErrorCode.INVALID_ARGUMENT, "Token " + (token.id() == null ? "" : "id " + token.id() + " ")
              + "is used with " + Secrets.shorten(String.valueOf(token.apiDomain())) + ", which is not one of "
              + "Zoho's API domains, so its accounts server is not known. Start the service with the server's "
              + "URLs (--accounts-url or --token-url)."));
    }

    /** The API keys to accept; default {@link ApiKeys#of(TokenStore) ApiKeys.of(store)}. */
    public Builder apiKeys(ApiKeys apiKeys) {
      this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
      return this;
    }

    /** Every token is refreshed at {@code environment}. Default: Zoho's data centre of each token's API domain. */
    public Builder environment(Environment environment) {
      Objects.requireNonNull(environment, "environment");
      this.environmentFor = t -> environment;
      return this;
    }

    /** The environment of each stored token (and of each token being stored, from the request's fields). */
    public Builder environmentFor(Function<OAuthToken, Environment> environmentFor) {
      this.environmentFor = Objects.requireNonNull(environmentFor, "environmentFor");
      return this;
    }

    /** Settings for every {@link TokenManager} (timeouts, refresh window, lease time, retries). */
    public Builder managerSettings(UnaryOperator<TokenManager.Builder> managerSettings) {
      this.managerSettings = Objects.requireNonNull(managerSettings, "managerSettings");
      return this;
    }

    /** The clock of expiry decisions; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The address to listen on; default {@code 127.0.0.1} (this machine only). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; default 8470; 0 takes a free one ({@link #port()} tells which). */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "A port is 0 to 65535, not " + port + ".");
      }
      this.port = port;
      return this;
    }

    /** Serves HTTPS only, with the key and certificate chain of a PKCS#12 file. */
    public Builder tls(Path pkcs12, char[] password) {
      if (!Files.isReadable(pkcs12)) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The TLS key store " + pkcs12 + " cannot be read.");
      }
      this.tlsKeystore = pkcs12;
      this.tlsPassword = password.clone();
      return this;
    }

    /** Refreshes tokens ahead of expiry, checking every {@code every} (see the class comment); default off. */
    public Builder refreshAhead(Duration every) {
      if (every.compareTo(Duration.ofMillis(100)) < 0 || every.compareTo(Duration.ofHours(1)) > 0) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "refreshAhead is from 100 ms to 1 h.");
      }
      this.refreshAheadEvery = every;
      return this;
    }

    /** The largest request body; default 64 KiB. */
    public Builder maxRequestBytes(int maxRequestBytes) {
      if (maxRequestBytes < 1024 || maxRequestBytes > 16 * 1024 * 1024) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "maxRequestBytes is from 1 KiB to 16 MiB.");
      }
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * How long {@link #close()} waits for requests under way; default 60 s. A request still running after it is
     * abandoned, and a refresh it started may be lost; keep it above the managers' request timeout.
     */
    public Builder shutdownGrace(Duration shutdownGrace) {
      if (shutdownGrace.isNegative() || shutdownGrace.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "shutdownGrace is from 0 to 10 minutes.");
      }
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /**
     * How long a manager hands out a token from memory before it reads the stored record again
     * ({@link TokenManager.Builder#recheckStoreAfter}); default 1 s, so that a token deleted or revoked through
     * any instance (or the CLI) is refused by every instance within a second. Null: until it is due for refresh.
     */
    public Builder recheckStoreAfter(@Nullable Duration recheckStoreAfter) {
      this.recheckStoreAfter = recheckStoreAfter;
      return this;
    }

    /**
     * API requests handled at once; beyond, 503 {@code BUSY} (health checks and metrics are never refused); default
     * 200.
     */
    public Builder maxConcurrentRequests(int maxConcurrentRequests) {
      if (maxConcurrentRequests < 1 || maxConcurrentRequests > 10_000) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "maxConcurrentRequests is from 1 to 10000.");
      }
      this.maxConcurrentRequests = maxConcurrentRequests;
      return this;
    }

    /** Logs each request (logger {@code dev.tokenstore.server.access}, INFO; no secret); default on. */
    public Builder accessLog(boolean accessLog) {
      this.accessLog = accessLog;
      return this;
    }

    /** Wrong API keys an address may send per minute before it is refused for the rest of it; default 20. */
    public Builder failedAttemptsPerMinute(int failedAttempts) {
      if (failedAttempts < 1) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "failedAttemptsPerMinute is at least 1.");
      }
      this.failedAttempts = failedAttempts;
      return this;
    }

    /** The client used by {@code POST /api/v1/tokens} when a request names none. */
    public Builder defaultClient(String clientId, @Nullable String clientSecret) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = clientSecret;
      return this;
    }

    /**
     * Serves the web console at {@code /console}: the admin (user name {@code admin}) signs in with the password
     * in the first line of {@code adminPasswordFile} (at least 12 characters), which is read now and kept in memory
     * only as an Argon2id hash. Sessions live in this instance's memory (behind a load balancer, make console
     * sessions sticky); the history of actions is kept in the store, so every instance shows the same.
     *
     * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when the file cannot be read or the password
     *     is too short
     */
    public Builder console(Path adminPasswordFile) {
      this.adminPassword = AdminPassword.fromFile(Objects.requireNonNull(adminPasswordFile, "adminPasswordFile"));
      return this;
    }

    /** How long a console session lasts without a request; default 15 minutes. */
    public Builder consoleIdleTimeout(Duration idle) {
      if (idle.compareTo(Duration.ofMinutes(1)) < 0 || idle.compareTo(Duration.ofHours(12)) > 0) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "consoleIdleTimeout is from 1 minute to 12 hours.");
      }
      this.consoleIdle = idle;
      return this;
    }

    /**
     * Serves the "Login with Zoho" portal at {@code /connect} (the seed's student portal): users authorize
     * {@code clientId} at {@code environment}'s accounts server (state and PKCE) and come back to
     * {@code redirectUri} (null: this service's {@code /connect/callback}), which must be registered for the
     * client; their token is stored, and "Disconnect" revokes it. A portal session ends after
     * {@code sessionTimeout} without a request.
     */
    public Builder portal(Environment environment, String clientId, @Nullable String clientSecret, String scope,
        @Nullable String redirectUri, Duration sessionTimeout) {
      if (environment.authorizationUrl().isEmpty()) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The portal needs an environment with an "
            + "authorization URL (Zoho's data centres, or --accounts-url).");
      }
      if (sessionTimeout.compareTo(Duration.ofMinutes(1)) < 0 || sessionTimeout.compareTo(Duration.ofDays(30)) > 0) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The portal's session timeout is from 1 minute "
            + "to 30 days.");
      }
      this.portal = new Portal.Settings(environment, Objects.requireNonNull(clientId, "clientId"), clientSecret,
          Objects.requireNonNull(scope, "scope"), redirectUri, sessionTimeout);
      return this;
    }

    /** The service, not yet listening: call {@link TokenServer#start()}. */
    public TokenServer build() {
      return new TokenServer(this);
    }
  }
}
