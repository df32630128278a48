package dev.tokenstore.server.internal.console;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.AuthorizationRequest;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.server.internal.Managers;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The seed's student portal at {@code /connect}: "Login with Zoho" sends the browser to the accounts server's
 * authorization URL (state and PKCE, {@link AuthorizationRequest}); the callback checks the state, exchanges the
 * code ({@link TokenManager#exchange}), stores the token and shows "connected as ..."; "Disconnect" revokes it. The
 * portal's sessions end after an idle timeout. No token ever reaches the browser. Thread-safe.
 */
public final class Portal {
  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");

  /** What the portal logs in with. */
  public record Settings(Environment environment, String clientId, @Nullable String clientSecret, String scope,
      @Nullable String redirectUri, Duration idleTimeout) {}

  private final TokenStore store;
  private final Managers managers;
  private final History history;
  private final Settings settings;
  private final Supplier<String> baseUri;
  private final Sessions sessions;

  /**
   * @param baseUri the service's base URI (for the callback, unless the settings name one)
   * @param tls whether the service runs TLS (cookies are then Secure)
   */
  public Portal(TokenStore store, Managers managers, History history, Settings settings, Supplier<String> baseUri,
      boolean tls, Clock clock) {
    this.store = store;
    this.managers = managers;
    this.history = history;
    this.settings = settings;
    this.baseUri = baseUri;
    // Lax: the callback is a redirect from the accounts server's site, on which a Strict cookie is not sent; Lax is
    // sent on a top-level GET only, never on another site's form post (and disconnect needs the CSRF token anyway)
    this.sessions = new Sessions("tokenstore_portal", "/connect", "Lax", tls, settings.idleTimeout(),
        Console.lifetime(settings.idleTimeout()), clock::millis);
  }

  /** The portal's routes. */
  public List<Console.Route> routes() {
    return List.of(
        new Console.Route("GET", "/connect", wrap(this::home)),
        new Console.Route("GET", "/connect/login", wrap(this::login)),
        new Console.Route("GET", "/connect/callback", wrap(this::callback)),
        new Console.Route("POST", "/connect/disconnect", wrap(this::disconnect)));
  }

  private void home(Context ctx) {
    Sessions.Session s = sessions.findOrCreate(ctx);
    String id = s.tokenId;
    String user = s.userName;
    if (id != null && store.findTokenById(id)
        .filter(t -> t.userName() == null || java.util.Objects.equals(t.userName(), user)).isEmpty()) {
      // revoked or deleted elsewhere (the console, the API, another instance): this session is no longer connected
      s.tokenId = null;
      s.userName = null;
      s.flash = "Your Zoho connection was ended by the school. Log in with Zoho again to reconnect.";
    }
    render(ctx, 200, s, null);
  }

  private void login(Context ctx) {
    Sessions.Session s = sessions.findOrCreate(ctx);
    AuthorizationRequest request = AuthorizationRequest.create(settings.environment(), settings.clientId(),
        redirectUri(), settings.scope());
    s.addPending(request); // each tab its own: a second tab's login does not spoil the first's
    Web.headers(ctx);
    ctx.attribute(Web.WRITTEN, "html");
    ctx.status(303).header("Location", request.uri().toString()).result("");
  }

  private void callback(Context ctx) {
    Sessions.Session s = sessions.find(ctx);
    String query = ctx.queryString() == null ? "" : ctx.queryString();
    AuthorizationRequest request = s == null ? null : s.takePending(query); // one use
    if (s == null || request == null) {
      Sessions.Session fresh = s != null ? s : sessions.create(ctx);
      if (s != null && s.hasPending()) { // a forged or stale redirect: the attempts under way are kept
        history.addUnsigned("portal", "connect failed", dev.tokenstore.ErrorCode.INVALID_ARGUMENT.toString());
        render(ctx, 400, fresh, "This redirect does not belong to a sign-in started here (its state does not "
            + "match). Click Login with Zoho again.");
        return;
      }
      render(ctx, 400, fresh, "This sign-in was not started here, or your session expired. Click Login with Zoho "
          + "again.");
      return;
    }
    try {
      AuthorizationRequest.Callback cb = request.callback(query);
      Environment env = exchangeAt(cb);
      TokenManager manager = managers.forRecord(OAuthToken.builder().apiDomain(env.apiDomain()).build())
          .withEnvironment(env);
      OAuthToken saved = manager.exchange(OAuthToken.builder().clientId(settings.clientId())
          .clientSecret(settings.clientSecret()).grantToken(cb.code()).redirectUrl(request.redirectUri()).build(),
          request.codeVerifier());
      managers.forgetRoutes();
      sessions.end(ctx, s); // a new session once connected: a cookie planted before it is worth nothing
      Sessions.Session connected = sessions.create(ctx);
      connected.tokenId = saved.id();
      connected.userName = saved.userName() != null ? saved.userName() : "your Zoho account";
      history.add("portal", "connected", saved.id(), saved.userName(), "exchanged a code (PKCE); access token "
          + (saved.accessToken() == null ? "none" : Secrets.fingerprint(saved.accessToken())));
      Web.seeOther(ctx, "/connect");
    } catch (TokenstoreException e) {
      history.addUnsigned("portal", "connect failed", e.code().toString());
      render(ctx, 400, s, "Zoho did not connect: [" + e.code() + "] "
          + Secrets.shorten(String.valueOf(e.getMessage())));
    }
  }

  private void disconnect(Context ctx) {
    Sessions.Session s = sessions.find(ctx);
    if (s == null || !s.csrfMatches(ctx)) {
      Sessions.Session fresh = s != null ? s : sessions.create(ctx);
      render(ctx, 403, fresh, "This form was not sent by this portal session, or your session expired. Reload "
          + "the page and try again.");
      return;
    }
    String id = s.tokenId;
    String user = s.userName;
    if (id != null) {
      try {
        managers.forQuery(OAuthToken.builder().id(id).build()).revoke(OAuthToken.builder().id(id).build());
      } catch (TokenstoreException e) {
        if (e.code() != dev.tokenstore.ErrorCode.TOKEN_NOT_FOUND) {
          render(ctx, 502, s, "Disconnecting failed (try again): [" + e.code() + "]");
          return;
        }
      }
      managers.forgetRoutes();
      history.add("portal", "disconnected", id, user, "revoked at the server and deleted");
    }
    s.tokenId = null;
    s.userName = null;
    s.flash = "Disconnected: the school no longer has access to your Zoho account.";
    Web.seeOther(ctx, "/connect");
  }

  private void render(Context ctx, int status, Sessions.Session s, @Nullable String error) {
    Views.Page page = new Views.Page("Zylker Academy", s.csrf(), s.takeFlash(), false);
    Web.render(ctx, status, "portal.jte", new Views.Portal(page, s.userName, s.tokenId, error,
        settings.idleTimeout().toMinutes()));
  }

  /**
   * Where to exchange the code: the portal's environment, or (for one of Zoho's data centres) the Zoho data centre
   * the redirect names. The redirect's query is the user's to write: for an environment made from an accounts URL,
   * {@link AuthorizationRequest.Callback#environment} follows any https server it names, and the exchange would
   * send that server the code, the PKCE verifier and the client secret.
   */
  private Environment exchangeAt(AuthorizationRequest.Callback cb) {
    Environment home = settings.environment();
    Environment named = cb.environment(home);
    if (home.dataCenter().isEmpty() && !named.tokenUrl().equals(home.tokenUrl())) {
      throw new TokenstoreException(dev.tokenstore.ErrorCode.INVALID_ARGUMENT, "The redirect names another "
          + "accounts server than the portal's; the code is not exchanged there.");
    }
    return named;
  }

  private String redirectUri() {
    String configured = settings.redirectUri();
    return configured != null ? configured : baseUri.get() + "/connect/callback";
  }

  private Handler wrap(Handler h) {
    return ctx -> {
      try {
        h.handle(ctx);
      } catch (io.javalin.http.HttpResponseException e) {
        Web.refused(ctx, e);
      } catch (Exception e) {
        LOG.log(Level.ERROR, "portal: unexpected failure of "
            + ctx.<String>attribute(dev.tokenstore.server.internal.Api.ROUTE), e);
        Web.render(ctx, 500, "error.jte", new Views.Error(new Views.Page("Error", null, null, false), 500,
            "An unexpected failure; the service's log has the details."));
      }
    };
  }
}
