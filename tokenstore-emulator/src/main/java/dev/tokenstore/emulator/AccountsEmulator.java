package dev.tokenstore.emulator;

import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.emulator.AccountsState.Client;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * A local emulator of Zoho's accounts server, listening on 127.0.0.1.
 *
 * <p>It serves the {@link Endpoint}s on one port, so the accounts server and the API domain are the same URL:
 * authorization with auto-consent, token (exchange and refresh), revoke, the current user, and a stand-in for other
 * CRM API calls; each {@link Endpoint} says what it answers.
 *
 * <p><b>Clients.</b> If no client is registered ({@link Builder#registerClient}), the emulator is permissive: any
 * client id and any secret (even none) are accepted, and any redirect URI; a code or refresh token is still bound
 * to the client id it was issued to, and a code to its redirect URI. Once at least one client is registered, only
 * registered clients are accepted, with their secret and (if any were given) their redirect URIs.
 *
 * <p><b>Limits.</b> At most {@link Builder#accessTokensPerRefreshWindow} access tokens per refresh token in a
 * sliding window (counted over refreshes; the exchange's first access token does not count; in rotation mode the
 * chain of rotated refresh tokens shares one budget); at most {@link Builder#maxRefreshTokensPerUser} refresh
 * tokens per user (a new one deletes the oldest, with its access tokens).
 *
 * <p><b>Counters</b> count requests received, including those that failed or suffered an injected fault. <b>Faults</b>
 * are queued with {@link #faults()} (token endpoint) or {@link #faults(Endpoint)}. <b>Test helpers</b> issue codes
 * and tokens, and revoke tokens, without HTTP and without counting.
 *
 * <p>Thread-safe: every method may be called from any thread while requests are being served. Start one with
 * {@link #builder()}; {@link #close()} stops it. The emulator never logs tokens or secrets.
 */
public final class AccountsEmulator implements AutoCloseable {
  /** The default auto-consent user. */
  public static final String DEFAULT_USER = "user@example.com";

  private static final System.Logger LOG = System.getLogger(AccountsEmulator.class.getName());

  private final AccountsState state;
  private final String defaultUser;
  private final HttpServer server;
  private final ExecutorService executor;
  private final String baseUrl;
  private final Map<Endpoint, Faults> faults = new EnumMap<>(Endpoint.class);
  private final Counters counters = new Counters();

  private AccountsEmulator(Builder b) {
    this.defaultUser = b.user;
    this.state = new AccountsState(new AccountsState.Settings(b.user, b.accessTokenTtl, b.grantCodeTtl,
        b.maxPerWindow, b.window, b.maxRefreshTokensPerUser, b.rotate, b.legacyMillis, b.errorsWithHttp200,
        Map.copyOf(b.clients), b.tokenSuffix, b.clock));
    for (Endpoint e : Endpoint.values()) {
      faults.put(e, new Faults());
    }
    this.executor = HttpFront.newExecutor();
    this.server = new HttpFront(state, faults, counters).listen(b.port, executor);
    this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    state.baseUrl(baseUrl);
    LOG.log(System.Logger.Level.DEBUG, "accounts emulator listening on {0}", baseUrl);
  }

  /** A builder with Zoho's defaults; see its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /** Runs the emulator in the foreground until the process is stopped; see {@code --help}. */
  public static void main(String[] args) throws InterruptedException {
    Cli.main(args);
  }

  // ------------------------------------------------------------------------------------------ URLs

  /** The accounts server, e.g. {@code http://127.0.0.1:54321} (no trailing slash). */
  public String baseUrl() {
    return baseUrl;
  }

  /** The port the emulator listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code <baseUrl>/oauth/v2/auth}. */
  public String authorizationUrl() {
    return baseUrl + "/oauth/v2/auth";
  }

  /** {@code <baseUrl>/oauth/v2/token}. */
  public String tokenUrl() {
    return baseUrl + "/oauth/v2/token";
  }

  /** {@code <baseUrl>/oauth/v2/token/revoke}. */
  public String revokeUrl() {
    return baseUrl + "/oauth/v2/token/revoke";
  }

  /** The API domain given in token replies: the same server as {@link #baseUrl()}. */
  public String apiDomain() {
    return baseUrl;
  }

  /** {@code <apiDomain>/crm/v8/users?type=CurrentUser}. */
  public String currentUserUrl() {
    return baseUrl + "/crm/v8/users?type=CurrentUser";
  }

  /** {@code <apiDomain>/crm/v8/<module>}, e.g. {@code apiUrl("Leads")}: an {@link Endpoint#API} call. */
  public String apiUrl(String module) {
    Objects.requireNonNull(module, "module");
    return baseUrl + "/crm/v8/" + module;
  }

  /**
   * The emulator's addresses as {@code name: value} lines (stable labels, one per line, ending with a newline):
   * what the command-line front ends print when it starts.
   */
  public String describe() {
    return "Zoho accounts emulator listening on " + baseUrl() + "\n"
        + "accounts server:   " + baseUrl() + "\n"
        + "authorization URL: " + authorizationUrl() + "\n"
        + "token URL:         " + tokenUrl() + "\n"
        + "revoke URL:        " + revokeUrl() + "\n"
        + "API domain:        " + apiDomain() + "\n"
        + "current user URL:  " + currentUserUrl() + "\n"
        + "user:              " + user() + "\n";
  }

  /** The default auto-consent user's e-mail. */
  public String user() {
    return defaultUser;
  }

  // ------------------------------------------------------------------------------------------ counters

  /** Calls to the authorization endpoint. */
  public long authorizationCalls() {
    return counters.authorization.get();
  }

  /** Calls to the token endpoint, whatever their grant type or outcome. */
  public long tokenCalls() {
    return counters.token.get();
  }

  /** Token-endpoint calls with {@code grant_type=authorization_code}. */
  public long exchangeCalls() {
    return counters.exchange.get();
  }

  /** Token-endpoint calls with {@code grant_type=refresh_token}. */
  public long refreshCalls() {
    return counters.refresh.get();
  }

  /** Token-endpoint calls with {@code grant_type=refresh_token} that named this refresh token. */
  public long refreshCalls(String refreshToken) {
    return counters.refreshCalls(refreshToken);
  }

  /** Calls to the revoke endpoint. */
  public long revokeCalls() {
    return counters.revoke.get();
  }

  /** Calls to {@code /crm/vN/users}. */
  public long userInfoCalls() {
    return counters.userInfo.get();
  }

  /** Calls to {@link Endpoint#API}: CRM API paths other than {@code /crm/vN/users}. */
  public long apiCalls() {
    return counters.api.get();
  }

  /** Sets every counter to zero (tokens and limits are not affected). */
  public void resetCounters() {
    counters.reset();
  }

  // ------------------------------------------------------------------------------------------ test helpers

  /**
   * Issues a grant code as if the default user had consented, without HTTP, with offline access (its exchange
   * gives a refresh token) and without PKCE. It must be exchanged by {@code clientId} with {@code redirectUri}.
   */
  public String issueGrantCode(String clientId, String redirectUri, String scope) {
    return issueGrantCode(clientId, redirectUri, scope, defaultUser);
  }

  /** As {@link #issueGrantCode(String, String, String)}, consented by {@code userEmail}. */
  public String issueGrantCode(String clientId, String redirectUri, String scope, String userEmail) {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(redirectUri, "redirectUri");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(userEmail, "userEmail");
    return state.issueGrantCode(clientId, redirectUri, scope, userEmail, true);
  }

  /**
   * Issues a grant code as Zoho's API console does for a self client: consented by {@code userEmail}, with offline
   * access, without HTTP. It must be exchanged by {@code clientId}, and with no particular redirect URI (one sent
   * with the exchange is not checked).
   */
  public String issueSelfClientGrantCode(String clientId, String scope, String userEmail) {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(userEmail, "userEmail");
    return state.issueGrantCode(clientId, null, scope, userEmail, true);
  }

  /**
   * Issues a refresh token and its first access token to {@code clientId} for {@code userEmail}, as the exchange of
   * an offline grant code would, without HTTP: for a test that seeds its store with tokens authorized earlier.
   * Limits apply as to an exchange (the user's oldest refresh tokens beyond the limit are deleted).
   */
  public IssuedTokens issueTokens(String clientId, String scope, String userEmail) {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(userEmail, "userEmail");
    return state.issueTokens(clientId, scope, userEmail);
  }

  /**
   * Revokes a refresh token (with every access token made from it) or a single access token, as the revoke endpoint
   * does, without HTTP and without counting: for a test that acts as the user or another client revoking a token.
   *
   * @return false if the token was unknown or already revoked
   */
  public boolean revokeToken(String token) {
    Objects.requireNonNull(token, "token");
    return state.revoke(token).status() == 200;
  }

  /**
   * While {@code reject} is true, every CRM API call ({@link Endpoint#USER_INFO} and {@link Endpoint#API}) gets HTTP
   * 401 {@code INVALID_TOKEN} whatever its access token, as when Zoho has invalidated a client's tokens; tokens
   * themselves are not changed. May be switched at any time.
   */
  public void rejectApiCalls(boolean reject) {
    state.rejectApiCalls(reject);
  }

  /** Whether this access token was issued here, is not revoked and has not expired by the emulator's clock. */
  public boolean isAccessTokenValid(String accessToken) {
    return state.isAccessTokenValid(accessToken);
  }

  /** Whether this refresh token was issued here and is neither revoked, evicted nor rotated away. */
  public boolean isRefreshTokenValid(String refreshToken) {
    return state.isRefreshTokenValid(refreshToken);
  }

  /** How many valid refresh tokens the user holds. */
  public int refreshTokenCount(String userEmail) {
    return state.refreshTokenCount(userEmail);
  }

  /** The fault queue of the token endpoint. */
  public Faults faults() {
    return faults(Endpoint.TOKEN);
  }

  /** The fault queue of an endpoint. */
  public Faults faults(Endpoint endpoint) {
    return Objects.requireNonNull(faults.get(Objects.requireNonNull(endpoint, "endpoint")));
  }

  /** Stops listening at once, dropping calls in progress (delays included). Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "AccountsEmulator[" + baseUrl + "]";
  }

  // ------------------------------------------------------------------------------------------ builder

  /**
   * Configures and starts an {@link AccountsEmulator}. Defaults are Zoho's: access tokens live 1 hour, grant codes 2
   * minutes, 10 access tokens per refresh token per 10 minutes, 20 refresh tokens per user, no rotation, errors with
   * HTTP 200, {@code expires_in} in seconds, the system clock, a free port. Not thread-safe; use it from one
   * thread, then {@link #start()}.
   */
  public static final class Builder {
    private String user = DEFAULT_USER;
    private Duration accessTokenTtl = Duration.ofHours(1);
    private Duration grantCodeTtl = Duration.ofMinutes(2);
    private int maxPerWindow = 10;
    private Duration window = Duration.ofMinutes(10);
    private int maxRefreshTokensPerUser = 20;
    private boolean rotate;
    private boolean legacyMillis;
    private boolean errorsWithHttp200 = true;
    private final Map<String, Client> clients = new LinkedHashMap<>();
    private Clock clock = Clock.systemUTC();
    private String tokenSuffix = "";
    private int port;

    private Builder() {}

    /** The user who consents at the authorization endpoint (default {@value AccountsEmulator#DEFAULT_USER}). */
    public Builder user(String email) {
      Objects.requireNonNull(email, "email");
      if (email.isBlank()) {
        throw new IllegalArgumentException("the user's e-mail must not be blank");
      }
      this.user = email;
      return this;
    }

    /** How long access tokens live (default 1 hour; at least 1 second, as {@code expires_in} is in seconds). */
    public Builder accessTokenTtl(Duration ttl) {
      this.accessTokenTtl = positive(ttl, "accessTokenTtl");
      if (ttl.toSeconds() < 1) {
        throw new IllegalArgumentException("accessTokenTtl must be at least 1 second: " + ttl);
      }
      return this;
    }

    /** How long grant codes can be exchanged (default 2 minutes). */
    public Builder grantCodeTtl(Duration ttl) {
      this.grantCodeTtl = positive(ttl, "grantCodeTtl");
      return this;
    }

    /** At most {@code max} access tokens per refresh token in any sliding {@code window} (default 10 per 10 min). */
    public Builder accessTokensPerRefreshWindow(int max, Duration window) {
      if (max < 1) {
        throw new IllegalArgumentException("max must be at least 1: " + max);
      }
      this.maxPerWindow = max;
      this.window = positive(window, "window");
      return this;
    }

    /** At most this many refresh tokens per user; a new one deletes the oldest (default 20). */
    public Builder maxRefreshTokensPerUser(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxRefreshTokensPerUser must be at least 1: " + max);
      }
      this.maxRefreshTokensPerUser = max;
      return this;
    }

    /**
     * RFC 6749 rotation: every refresh returns a new refresh token and invalidates the one used (default false,
     * as Zoho, whose refresh replies carry no refresh token).
     */
    public Builder rotateRefreshTokens(boolean rotate) {
      this.rotate = rotate;
      return this;
    }

    /** Old Zoho replies: {@code expires_in} in milliseconds plus {@code expires_in_sec} (default false). */
    public Builder legacyExpiresInMillis(boolean legacy) {
      this.legacyMillis = legacy;
      return this;
    }

    /**
     * True (default): Zoho's token errors ({@code invalid_code}, {@code invalid_client_secret}, ...) with HTTP 200.
     * False: RFC 6749 errors ({@code invalid_grant}, {@code invalid_client}, ...) with HTTP 400 and a description.
     */
    public Builder errorsWithHttp200(boolean errorsWithHttp200) {
      this.errorsWithHttp200 = errorsWithHttp200;
      return this;
    }

    /** Shorthand for a plain RFC 6749 server: rotating refresh tokens and HTTP 400 errors with RFC names. */
    public Builder rfc6749() {
      return rotateRefreshTokens(true).errorsWithHttp200(false);
    }

    /**
     * Registers a client. Once any client is registered, only registered clients are accepted. With no redirect
     * URIs, the client may use any redirect URI.
     */
    public Builder registerClient(String clientId, String clientSecret, String... redirectUris) {
      Objects.requireNonNull(clientId, "clientId");
      Objects.requireNonNull(clientSecret, "clientSecret");
      for (String uri : redirectUris) {
        Objects.requireNonNull(uri, "redirectUris");
      }
      clients.put(clientId, new Client(clientId, clientSecret, Protocol.copyOf(redirectUris)));
      return this;
    }

    /**
     * Appends {@code suffix} to every grant code, access token and refresh token issued (default none), e.g.
     * {@code "-SECRET"}: a test can then check that no message, log line or {@code toString()} shows a token by
     * looking for the suffix. At most 32 letters, digits, {@code -}, {@code _} or {@code .}.
     */
    public Builder tokenSuffix(String suffix) {
      Objects.requireNonNull(suffix, "suffix");
      if (!suffix.matches("[A-Za-z0-9._-]{0,32}")) {
        throw new IllegalArgumentException("tokenSuffix must be at most 32 of [A-Za-z0-9._-]: " + suffix);
      }
      this.tokenSuffix = suffix;
      return this;
    }

    /** The clock for expiry and limits (default the system clock); see {@link ManualClock}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The port on 127.0.0.1 (default 0: a free port, read it back with {@link AccountsEmulator#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Starts the emulator.
     *
     * @throws UncheckedIOException if the port cannot be bound
     */
    public AccountsEmulator start() {
      return new AccountsEmulator(this);
    }

    /** The same as {@link #start()}: the emulator returned is already listening. */
    public AccountsEmulator build() {
      return start();
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
