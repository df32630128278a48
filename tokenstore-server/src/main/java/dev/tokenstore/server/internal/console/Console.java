package dev.tokenstore.server.internal.console;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.server.internal.AttemptLimiter;
import dev.tokenstore.server.internal.Managers;
import dev.tokenstore.spi.TokenRules;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The web console at {@code /console}: sign-in of the admin, the tokens (list, search, filter, paging), a token's
 * page with its history and the buttons refresh / revoke / delete, global logout, cleanup preview, the history of
 * actions and a dashboard. Every change is a POST form carrying the session's CSRF token; every page gets the
 * headers of {@link Web}. The actions call the library ({@link dev.tokenstore.oauth.TokenManager}) as the HTTP API
 * does. Thread-safe.
 */
public final class Console {
  static final int PAGE_SIZE = 50;
  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");
  private static final String LOGIN = "/console/login";
  private static final String KNOWN = "tokenstore_console_known";

  /** A route of the console: method, path (Javalin's syntax), handler. */
  public record Route(String method, String path, Handler handler) {}

  private final TokenStore store;
  private final Managers managers;
  private final AdminPassword password;
  private final History history;
  private final Activity activity;
  private final Clock clock;
  private final Sessions sessions;
  private final Sessions signIns;
  private final AttemptLimiter perAddress;
  private final AttemptLimiter overall;
  private final AttemptLimiter perBrowser;
  private final boolean tls;
  /** SHA-256 of the known-browser cookies handed out at sign-in, oldest first; guarded by itself. */
  private final java.util.LinkedHashSet<String> knownBrowsers = new java.util.LinkedHashSet<>();

  /**
   * @param tls whether the service runs TLS (session cookies are then Secure)
   * @param idle how long a session lasts without a request
   */
  public Console(TokenStore store, Managers managers, AdminPassword password, History history, Activity activity,
      Clock clock, boolean tls, Duration idle) {
    this.store = store;
    this.managers = managers;
    this.password = password;
    this.history = history;
    this.activity = activity;
    this.clock = clock;
    this.sessions = new Sessions("tokenstore_console", "/console", "Strict", tls, idle, lifetime(idle), clock::millis);
    // the sign-in form's session (for its CSRF token) has a cookie of its own: the sign-in page, reached by a link
    // from another site (which a Strict cookie is not sent on), must not replace the admin's cookie and sign them out
    this.signIns = new Sessions("tokenstore_console_login", LOGIN, "Strict", tls, idle, lifetime(idle),
        clock::millis);
    // 5 wrong passwords a minute per address; 100 a minute from everywhere (each costs an Argon2id hash)
    this.perAddress = new AttemptLimiter(5, Duration.ofMinutes(1), clock::millis);
    this.overall = new AttemptLimiter(100, Duration.ofMinutes(1), clock::millis);
    // a browser that signed in before has a lane of its own: others' wrong passwords (from its address, e.g. one
    // behind the same proxy, or from everywhere) cannot lock the admin out of it
    this.perBrowser = new AttemptLimiter(5, Duration.ofMinutes(1), clock::millis);
    this.tls = tls;
  }

  /** The console's routes. */
  public List<Route> routes() {
    return List.of(
        new Route("GET", "/console", wrap(this::dashboard)),
        new Route("GET", "/console/static/console.css", Web::css),
        new Route("GET", LOGIN, wrap(this::loginPage)),
        new Route("POST", LOGIN, wrap(this::login)),
        new Route("POST", "/console/logout", wrap(this::logout)),
        new Route("GET", "/console/tokens", wrap(this::tokens)),
        new Route("GET", "/console/tokens/{id}", wrap(this::token)),
        new Route("POST", "/console/tokens/{id}/refresh", wrap(this::refresh)),
        new Route("POST", "/console/tokens/{id}/revoke", wrap(this::revoke)),
        new Route("POST", "/console/tokens/{id}/delete", wrap(this::delete)),
        new Route("GET", "/console/logout-all", wrap(this::logoutAllPage)),
        new Route("POST", "/console/logout-all", wrap(this::logoutAll)),
        new Route("GET", "/console/cleanup", wrap(this::cleanupPage)),
        new Route("POST", "/console/cleanup", wrap(this::cleanup)),
        new Route("GET", "/console/history", wrap(this::historyPage)));
  }

  // ------------------------------------------------------------------------------------ sign-in

  private void loginPage(Context ctx) {
    Sessions.Session signedIn = sessions.find(ctx);
    if (signedIn != null && signedIn.admin) {
      Web.seeOther(ctx, "/console");
      return;
    }
    Sessions.Session s = signIns.findOrCreate(ctx);
    Web.render(ctx, 200, "login.jte", new Views.Login(page("Sign in", s), null));
  }

  private void login(Context ctx) {
    Sessions.Session s = signIns.find(ctx);
    if (s == null || !s.csrfMatches(ctx)) {
      csrfRefused(ctx);
      return;
    }
    String address = ctx.ip();
    String known = knownBrowser(ctx);
    // the attempt is counted before the (slow) check: concurrent guesses cannot all get past the limit
    Duration wait;
    if (known != null) {
      wait = perBrowser.take(known);
    } else {
      wait = perAddress.take(address);
      if (wait.isZero()) {
        wait = overall.take("*");
        if (!wait.isZero()) {
          perAddress.giveBack(address);
        }
      }
    }
    if (!wait.isZero()) {
      ctx.header("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
      Web.render(ctx, 429, "login.jte", new Views.Login(page("Sign in", s), "Too many wrong passwords; try again in "
          + Math.max(1, wait.toSeconds()) + " s."));
      return;
    }
    String user = ctx.formParam("user");
    String pw = ctx.formParam("password");
    char[] chars = pw == null ? new char[0] : pw.toCharArray();
    boolean ok;
    try {
      ok = user != null && password.matches(user.strip(), chars);
    } finally {
      Arrays.fill(chars, '\0');
    }
    if (!ok) {
      history.addUnsigned("? from " + address, "sign-in refused", null);
      Web.render(ctx, 401, "login.jte", new Views.Login(page("Sign in", s), "Wrong user name or password."));
      return;
    }
    if (known != null) {
      perBrowser.giveBack(known);
    } else {
      perAddress.giveBack(address);
      overall.giveBack("*");
      rememberBrowser(ctx);
    }
    signIns.end(ctx, s); // a new session id after sign-in: a cookie planted before it is worth nothing
    Sessions.Session admin = sessions.create(ctx);
    admin.admin = true;
    history.add(actor(ctx), "signed in", null, null, null);
    Web.seeOther(ctx, "/console");
  }

  /** The hash of this request's known-browser cookie, when this instance handed it out; else null. */
  private @Nullable String knownBrowser(Context ctx) {
    String value = ctx.cookie(KNOWN);
    if (value == null || value.length() > 100) {
      return null;
    }
    String hash = Sessions.hash(value);
    synchronized (knownBrowsers) {
      return knownBrowsers.contains(hash) ? hash : null;
    }
  }

  /** Hands this browser a known-browser cookie (30 days, only sent to the sign-in form). */
  private void rememberBrowser(Context ctx) {
    String value = Sessions.random();
    synchronized (knownBrowsers) {
      if (knownBrowsers.size() >= 100) {
        knownBrowsers.remove(knownBrowsers.iterator().next());
      }
      knownBrowsers.add(Sessions.hash(value));
    }
    ctx.res().addHeader("Set-Cookie", KNOWN + "=" + value + "; Path=" + LOGIN + "; Max-Age=" + 30 * 86_400
        + "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
  }

  private void logout(Context ctx) {
    Sessions.Session s = sessions.find(ctx);
    if (s == null || !s.csrfMatches(ctx)) {
      csrfRefused(ctx);
      return;
    }
    if (s.admin) {
      history.add(actor(ctx), "signed out", null, null, null);
    }
    sessions.end(ctx, s);
    Web.seeOther(ctx, LOGIN);
  }

  // -------------------------------------------------------------------------------------- pages

  private void dashboard(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    Instant now = clock.instant();
    Map<TokenStatus, Long> counts = TokenPages.of(store).countByStatus(TokenPages.Filter.ALL, now);
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    long max = Math.max(1, counts.values().stream().mapToLong(Long::longValue).max().orElse(1));
    List<Views.StatusCount> bars = new ArrayList<>();
    for (TokenStatus st : TokenStatus.values()) {
      long c = counts.getOrDefault(st, 0L);
      bars.add(new Views.StatusCount(st.jsonName(), c, (int) (c * 300 / max), 5 + 30 * bars.size()));
    }
    Web.render(ctx, 200, "dashboard.jte", new Views.Dashboard(page("Dashboard", s), total, bars,
        Views.HourChart.of(activity.lastHours(24)), history.recent(10, null)));
  }

  /**
   * One page of the tokens, read with {@link TokenPages} (a keyset page: {@code after} is the last id of the page
   * before), and the counts of the matching tokens; the refresh columns are read for the page's rows only.
   */
  private void tokens(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    String q = param(ctx, "q");
    String status = param(ctx, "status");
    String after = param(ctx, "after");
    TokenStatus wanted = status.isEmpty() ? null : statusOf(status);
    int pageNo = after.isEmpty() ? 1 : Math.max(2, intParam(ctx, "page", 2));
    Instant now = clock.instant();
    TokenPages pages = TokenPages.of(store);
    TokenPages.Filter filter = new TokenPages.Filter(null, q.isEmpty() ? null : q, null, wanted);
    // a record that cannot be read (an encrypted store's damaged record) is a row of status "damaged" linking to
    // its page, where it can be deleted, rather than failing the list
    List<TokenPages.Item> page = pages.items(filter, after.isEmpty() ? null : after, PAGE_SIZE + 1, now);
    boolean more = page.size() > PAGE_SIZE;
    page = more ? page.subList(0, PAGE_SIZE) : page;
    Map<TokenStatus, Long> counts = pages.countByStatus(filter, now);
    long total = wanted != null ? counts.getOrDefault(wanted, 0L)
        : counts.values().stream().mapToLong(Long::longValue).sum();
    long pageCount = Math.max(pageNo, (total + PAGE_SIZE - 1) / PAGE_SIZE);
    List<String> ids = new ArrayList<>();
    for (TokenPages.Item i : page) {
      ids.add(i.id());
    }
    Map<String, Activity.TokenActivity> done = activity.of(ids);
    List<Views.TokenRow> rows = new ArrayList<>();
    for (TokenPages.Item i : page) {
      OAuthToken t = i.token();
      rows.add(t != null ? row(t, now, done.get(i.id()))
          : damagedRow(i.id(), i.userName(), Objects.requireNonNull(i.error())));
    }
    List<String> statuses = new ArrayList<>();
    for (TokenStatus st : TokenStatus.values()) {
      statuses.add(st.jsonName());
    }
    String base = "/console/tokens?q=" + enc(q) + "&status=" + enc(status);
    String next = more ? base + "&after=" + enc(page.get(page.size() - 1).id()) + "&page="
        + (pageNo + 1) : "";
    Web.render(ctx, 200, "tokens.jte", new Views.TokenList(page("Tokens", s), q, status, statuses, rows,
        total, pageNo, pageCount, pageNo > 1 ? base : "", next));
  }

  private void token(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    String wanted = ctx.pathParam("id");
    OAuthToken t;
    try {
      t = stored(wanted);
    } catch (TokenstoreException e) {
      if (!TokenPages.UNREADABLE_RECORD.contains(e.code())) {
        throw e;
      }
      // a record that cannot be read: its error, and its deletion as the way out
      List<History.Entry> events = history.recent(50, wanted);
      Web.render(ctx, 200, "token.jte", new Views.TokenDetail(page("Token " + wanted, s),
          damagedRow(wanted, null, e), "—", "—", "—", "—", "—", "—", events,
          "[" + e.code() + "] " + e.getMessage()));
      return;
    }
    Instant now = clock.instant();
    Instant exp = t.expiresAt();
    String id = String.valueOf(t.id());
    Activity.TokenActivity done = activity.of(List.of(id)).getOrDefault(id, Activity.TokenActivity.NONE);
    List<History.Entry> events = new ArrayList<>(history.recent(50, id));
    events.addAll(done.events());
    events.sort(java.util.Comparator.comparing(History.Entry::at).reversed());
    Views.TokenDetail m = new Views.TokenDetail(page("Token " + t.id(), s), row(t, now, done),
        orDash(t.redirectUrl()), exp == null ? "—" : exp.toString(), fingerprint(t.accessToken()),
        fingerprint(t.refreshToken()), fingerprint(t.grantToken()),
        t.clientSecret() == null ? "none" : "set (not shown)", events, "");
    Web.render(ctx, 200, "token.jte", m);
  }

  private void historyPage(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    Web.render(ctx, 200, "historyPage.jte", new Views.HistoryPage(page("History", s), history.recent(200, null)));
  }

  // ------------------------------------------------------------------------------------ actions

  private void refresh(Context ctx) {
    Sessions.Session s = admin(ctx);
    if (s == null) {
      return;
    }
    OAuthToken t = stored(ctx.pathParam("id"));
    String id = String.valueOf(t.id());
    try {
      OAuthToken fresh = managers.forRecord(t).refresh(OAuthToken.builder().id(id).build());
      history.add(actor(ctx), "refreshed", id, t.userName(), "new access token " + fingerprint(fresh.accessToken())
          + ", expires " + fresh.expiresAt());
      s.flash = "Refreshed token " + id + ": a new access token (" + fingerprint(fresh.accessToken()) + ").";
    } catch (TokenstoreException e) {
      history.add(actor(ctx), "refresh failed", id, t.userName(), e.code().toString());
      s.flash = "Refresh failed: " + failure(e);
    }
    Web.seeOther(ctx, "/console/tokens/" + enc(id));
  }

  private void revoke(Context ctx) {
    Sessions.Session s = admin(ctx);
    if (s == null) {
      return;
    }
    OAuthToken t = stored(ctx.pathParam("id"));
    String id = String.valueOf(t.id());
    try {
      managers.forRecord(t).revoke(OAuthToken.builder().id(id).build());
      managers.forgetRoutes();
      history.add(actor(ctx), "revoked", id, t.userName(), "revoked at the server and deleted");
      s.flash = "Revoked token " + id + " (" + t.userName() + ") at the server and deleted it.";
      Web.seeOther(ctx, "/console/tokens");
    } catch (TokenstoreException e) {
      history.add(actor(ctx), "revoke failed", id, t.userName(), e.code().toString());
      s.flash = "Revoke failed (the token is kept): " + failure(e);
      Web.seeOther(ctx, "/console/tokens/" + enc(id));
    }
  }

  private void delete(Context ctx) {
    Sessions.Session s = admin(ctx);
    if (s == null) {
      return;
    }
    OAuthToken t;
    try {
      t = stored(ctx.pathParam("id"));
    } catch (TokenstoreException e) {
      if (!TokenPages.UNREADABLE_RECORD.contains(e.code())) {
        throw e;
      }
      // a record that cannot be read (damaged, another key): deleting it is the way out
      String id = ctx.pathParam("id");
      if (!store.deleteToken(id)) {
        throw new TokenstoreException(ErrorCode.TOKEN_NOT_FOUND, "No stored token has the id "
            + Secrets.shorten(id) + " (revoked or deleted?).");
      }
      managers.forget(id);
      history.add(actor(ctx), "deleted", id, null, "deleted a record that could not be read (" + e.code() + ")");
      s.flash = "Deleted token " + id + ", which could not be read; it was not revoked at the server.";
      Web.seeOther(ctx, "/console/tokens");
      return;
    }
    String id = String.valueOf(t.id());
    store.deleteToken(id);
    managers.forget(id); // and the activity of the deleted record
    history.add(actor(ctx), "deleted", id, t.userName(), "deleted without revoking");
    s.flash = "Deleted token " + id + " (" + t.userName() + "); it was not revoked at the server.";
    Web.seeOther(ctx, "/console/tokens");
  }

  private void logoutAllPage(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    String client = param(ctx, "client");
    TreeSet<String> clients = new TreeSet<>();
    int count = 0;
    for (OAuthToken t : store.getTokens()) {
      if (t.clientId() != null) {
        clients.add(t.clientId());
      }
      if (ofClient(client).test(t)) {
        count++;
      }
    }
    Web.render(ctx, 200, "logoutAll.jte",
        new Views.LogoutAll(page("Global logout", s), client, count, new ArrayList<>(clients)));
  }

  private void logoutAll(Context ctx) {
    Sessions.Session s = admin(ctx);
    if (s == null) {
      return;
    }
    String client = form(ctx, "client");
    List<OAuthToken> targets = new ArrayList<>();
    for (OAuthToken t : store.getTokens()) {
      if (t.id() != null && ofClient(client).test(t)) {
        targets.add(t);
      }
    }
    int confirmed = intForm(ctx, "count");
    String back = "/console/logout-all?client=" + enc(client);
    if (confirmed != targets.size()) {
      s.flash = "The number of tokens changed from " + confirmed + " to " + targets.size() + " since the page was "
          + "shown; nothing was revoked. Confirm again.";
      Web.seeOther(ctx, back);
      return;
    }
    int revoked = 0;
    int failed = 0;
    for (OAuthToken t : targets) {
      try {
        managers.forRecord(t).revoke(OAuthToken.builder().id(t.id()).build());
        revoked++;
      } catch (TokenstoreException e) {
        failed++;
        history.add(actor(ctx), "revoke failed", t.id(), t.userName(), "global logout: " + e.code());
      }
    }
    managers.forgetRoutes();
    String what = client.isEmpty() ? "all clients" : "client " + client;
    history.add(actor(ctx), "global logout", null, null, what + ": " + revoked + " revoked, " + failed + " failed");
    s.flash = "Global logout (" + what + "): " + revoked + " tokens revoked and deleted"
        + (failed > 0 ? "; " + failed + " failed and were kept (see the history)." : ".");
    Web.seeOther(ctx, failed > 0 ? back : "/console/tokens");
  }

  /** The most idle tokens the cleanup preview lists (it counts them all). */
  static final int PREVIEW_ROWS = 200;

  private void cleanupPage(Context ctx) {
    Sessions.Session s = signedIn(ctx);
    if (s == null) {
      return;
    }
    int days = daysParam(param(ctx, "days"));
    Instant now = clock.instant();
    List<OAuthToken> idle = idle(days, now);
    List<Views.TokenRow> rows = new ArrayList<>();
    for (OAuthToken t : idle.subList(0, Math.min(idle.size(), PREVIEW_ROWS))) {
      rows.add(row(t, now));
    }
    Web.render(ctx, 200, "cleanup.jte", new Views.Cleanup(page("Cleanup", s), days, idle.size(), rows));
  }

  private void cleanup(Context ctx) {
    Sessions.Session s = admin(ctx);
    if (s == null) {
      return;
    }
    int days = daysParam(form(ctx, "days"));
    List<OAuthToken> targets = idle(days, clock.instant());
    int confirmed = intForm(ctx, "count");
    if (confirmed != targets.size()) {
      s.flash = "The number of idle tokens changed from " + confirmed + " to " + targets.size() + "; nothing was "
          + "removed. Check the preview again.";
      Web.seeOther(ctx, "/console/cleanup?days=" + days);
      return;
    }
    int revoked = 0;
    int failed = 0;
    for (OAuthToken t : targets) {
      try {
        managers.forRecord(t).revoke(OAuthToken.builder().id(t.id()).build());
        revoked++;
      } catch (TokenstoreException e) {
        failed++;
      }
    }
    managers.forgetRoutes();
    history.add(actor(ctx), "cleanup", null, null, "expired more than " + days + " days ago: " + revoked
        + " revoked, " + failed + " failed");
    s.flash = "Cleanup: " + revoked + " idle tokens revoked and deleted"
        + (failed > 0 ? ", " + failed + " failed." : ".");
    Web.seeOther(ctx, "/console/cleanup?days=" + days);
  }

  /** Idle as {@link dev.tokenstore.oauth.CleanupPolicy} defines it: the access token expired over N days ago. */
  private List<OAuthToken> idle(int days, Instant now) {
    Instant before = now.minus(Duration.ofDays(days));
    List<OAuthToken> out = new ArrayList<>();
    for (OAuthToken t : store.getTokens()) {
      Instant exp = t.expiresAt();
      if (t.id() != null && exp != null && exp.isBefore(before)
          && (t.accessToken() != null || t.refreshToken() != null)) {
        out.add(t);
      }
    }
    out.sort(TokenRules.BY_ID);
    return out;
  }

  // ------------------------------------------------------------------------------------ helpers

  /** How long a session lasts at most, however busy: 8 hours (a working day), or the idle timeout if longer. */
  static Duration lifetime(Duration idle) {
    Duration day = Duration.ofHours(8);
    return idle.compareTo(day) > 0 ? idle : day;
  }

  private Handler wrap(Handler h) {
    return ctx -> {
      try {
        h.handle(ctx);
      } catch (TokenstoreException e) {
        Sessions.Session s = sessions.find(ctx);
        int status = switch (e.code()) {
          case TOKEN_NOT_FOUND -> 404;
          case INVALID_ARGUMENT -> 400;
          default -> e instanceof StoreException ? 503 : 502;
        };
        String message = e instanceof StoreException && status >= 500
            ? "The token store failed (" + e.code() + "); the service's log has the details."
            : failure(e);
        if (e instanceof StoreException && status >= 500) {
          LOG.log(Level.WARNING, "console: " + ctx.method() + " failed: [" + e.code() + "] " + e.getMessage());
        }
        Web.render(ctx, status, "error.jte", new Views.Error(page("Error", s), status, message));
      } catch (HttpResponseException e) {
        Web.refused(ctx, e);
      } catch (Exception e) {
        LOG.log(Level.ERROR, "console: unexpected failure of "
            + ctx.<String>attribute(dev.tokenstore.server.internal.Api.ROUTE), e);
        Web.render(ctx, 500, "error.jte", new Views.Error(page("Error", null), 500, "An unexpected failure ("
            + e.getClass().getSimpleName() + "); the service's log has the details."));
      }
    };
  }

  /** The admin's session for a page, or null after sending the browser to sign in. */
  private Sessions.@Nullable Session signedIn(Context ctx) {
    Sessions.Session s = sessions.find(ctx);
    if (s == null || !s.admin) {
      Web.seeOther(ctx, LOGIN);
      return null;
    }
    return s;
  }

  /** The admin's session for a form post with its CSRF token, or null after refusing it. */
  private Sessions.@Nullable Session admin(Context ctx) {
    Sessions.Session s = sessions.find(ctx);
    if (s == null || !s.csrfMatches(ctx)) {
      csrfRefused(ctx);
      return null;
    }
    if (!s.admin) {
      Web.seeOther(ctx, LOGIN);
      return null;
    }
    return s;
  }

  private void csrfRefused(Context ctx) {
    Web.render(ctx, 403, "error.jte", new Views.Error(page("Refused", null), 403, "This form was not sent by a "
        + "page of this console session (its CSRF token is missing or wrong), or the session has expired. Reload "
        + "the page and try again."));
  }

  private static Views.Page page(String title, Sessions.@Nullable Session s) {
    return new Views.Page(title, s == null ? null : s.csrf(), s == null ? null : s.takeFlash(), s != null && s.admin);
  }

  private static String actor(Context ctx) {
    return AdminPassword.USER + " from " + ctx.ip();
  }

  private OAuthToken stored(String id) {
    return store.findTokenById(id).orElseThrow(() -> new TokenstoreException(ErrorCode.TOKEN_NOT_FOUND,
        "No stored token has the id " + Secrets.shorten(id) + " (revoked or deleted?)."));
  }

  static Views.TokenRow row(OAuthToken t, Instant now) {
    return row(t, now, null);
  }

  /** A row; with the token's refreshes ({@link Activity}) when known. */
  static Views.TokenRow row(OAuthToken t, Instant now, Activity.@Nullable TokenActivity done) {
    return new Views.TokenRow(String.valueOf(t.id()), orDash(t.userName()), orDash(t.clientId()),
        orDash(t.apiDomain()), TokenStatus.of(t, now).jsonName(), expiresIn(t.expiresAt(), now),
        done == null ? "—" : done.lastRefreshText(), done == null ? 0 : done.recentFailures(), "");
  }

  /** The row of a record that cannot be read: status {@code damaged} and the error's code. */
  static Views.TokenRow damagedRow(String id, @Nullable String user, TokenstoreException e) {
    return new Views.TokenRow(id, orDash(user), "—", "—", DAMAGED, "—", "—", 0, e.code().name());
  }

  /** The status of a record that cannot be read. */
  static final String DAMAGED = "damaged";

  static String expiresIn(@Nullable Instant exp, Instant now) {
    if (exp == null) {
      return "—";
    }
    long secs = Duration.between(now, exp).toSeconds();
    String span = span(Math.abs(secs));
    return secs >= 0 ? "in " + span : span + " ago";
  }

  private static String span(long secs) {
    if (secs < 120) {
      return secs + " s";
    }
    if (secs < 2 * 3600) {
      return secs / 60 + " min";
    }
    if (secs < 2 * 86_400) {
      return secs / 3600 + " h";
    }
    return secs / 86_400 + " days";
  }

  private static String fingerprint(@Nullable String secret) {
    return secret == null ? "none" : "fingerprint " + Secrets.fingerprint(secret);
  }

  private static String orDash(@Nullable String s) {
    return s == null || s.isEmpty() ? "—" : s;
  }

  private static String failure(TokenstoreException e) {
    return "[" + e.code() + "] " + Secrets.shorten(String.valueOf(e.getMessage()));
  }

  private static Predicate<OAuthToken> ofClient(String client) {
    return t -> client.isEmpty() || client.equals(t.clientId());
  }

  private static TokenStatus statusOf(String s) {
    try {
      return TokenStatus.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The status is one of valid, expiring, expired, "
          + "not_exchanged, reauthorization_required.");
    }
  }

  private static int daysParam(String v) {
    if (v.isEmpty()) {
      return 30;
    }
    try {
      int d = Integer.parseInt(v);
      if (d >= 0 && d <= 36_500) {
        return d;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The number of days is from 0 to 36500.");
  }

  private static String param(Context ctx, String name) {
    String v = ctx.queryParam(name);
    return v == null ? "" : v.strip();
  }

  private static String form(Context ctx, String name) {
    String v = ctx.formParam(name);
    return v == null ? "" : v.strip();
  }

  private static int intParam(Context ctx, String name, int dflt) {
    try {
      String v = ctx.queryParam(name);
      return v == null ? dflt : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static int intForm(Context ctx, String name) {
    try {
      return Integer.parseInt(form(ctx, name));
    } catch (NumberFormatException e) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The form lacks the confirmed count; reload it.");
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
