package dev.tokenstore.server.internal.console;

import dev.tokenstore.oauth.AuthorizationRequest;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Browser sessions of one kind (the console's admins, or the portal's users), in this instance's memory: a cookie
 * holding 256 random bits (HttpOnly, SameSite as given, Path limited to the pages, Secure under TLS), a CSRF token
 * per session, an idle timeout and a lifetime that no activity extends. The map is keyed by the SHA-256 of the
 * cookie, so the cookie itself is never kept. Bounded: at most {@value #MAX} sessions; when full, expired ones go,
 * then the least recently used of those nobody signed in to (anyone can make those, by loading a page without a
 * cookie: a flood of them must not sign out the admin or the connected users), and only when every session is
 * signed in, the least recently used. Thread-safe.
 */
public final class Sessions {
  static final int MAX = 10_000;
  /** Authorization requests under way per session (tabs). */
  static final int PENDING = 5;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String cookie;
  private final String path;
  private final String sameSite;
  private final boolean secure;
  private final long idleMillis;
  private final long lifetimeMillis;
  private final LongSupplier millis;
  private final ConcurrentHashMap<String, Session> byHash = new ConcurrentHashMap<>();

  /** One browser's session. Its fields are read and written by the requests of that browser. */
  public static final class Session {
    private final String hash;
    private final String csrf;
    private final long created;
    private volatile long lastSeen;
    volatile boolean admin;
    volatile @Nullable String flash;
    /** The portal's authorization requests under way (one per tab), oldest first; guarded by itself. */
    private final java.util.ArrayDeque<AuthorizationRequest> pending = new java.util.ArrayDeque<>();
    volatile @Nullable String tokenId;
    volatile @Nullable String userName;

    Session(String hash, String csrf, long now) {
      this.hash = hash;
      this.csrf = csrf;
      this.created = now;
      this.lastSeen = now;
    }

    /** Whether someone signed in to it (the admin, or a user whose Zoho account is connected). */
    boolean signedIn() {
      return admin || tokenId != null;
    }

    /** The CSRF token every form of this session carries. */
    public String csrf() {
      return csrf;
    }

    /**
     * Whether {@code ctx} is a form post (application/x-www-form-urlencoded, as the pages' forms send) carrying this
     * session's CSRF token. A body of another type (text/plain, JSON) is not read as a form.
     */
    boolean csrfMatches(Context ctx) {
      String type = ctx.contentType();
      return type != null && type.split(";", 2)[0].strip().equalsIgnoreCase("application/x-www-form-urlencoded")
          && csrfMatches(ctx.formParam("csrf"));
    }

    /** Whether {@code token} is this session's CSRF token (constant time). */
    private boolean csrfMatches(@Nullable String token) {
      return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
          token.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds an authorization request under way; the oldest goes beyond {@value #PENDING}. */
    void addPending(AuthorizationRequest request) {
      synchronized (pending) {
        if (pending.size() >= PENDING) {
          pending.removeFirst();
        }
        pending.addLast(request);
      }
    }

    /**
     * The request under way whose state the redirect query {@code query} carries, taken (a redirect is used once,
     * even by two at the same time), or null.
     */
    @Nullable AuthorizationRequest takePending(String query) {
      synchronized (pending) {
        for (java.util.Iterator<AuthorizationRequest> it = pending.iterator(); it.hasNext(); ) {
          AuthorizationRequest r = it.next();
          if (r.isFor(query)) {
            it.remove();
            return r;
          }
        }
        return null;
      }
    }

    /** Whether an authorization request is under way. */
    boolean hasPending() {
      synchronized (pending) {
        return !pending.isEmpty();
      }
    }

    /** The message to show once on the next page, taken. */
    @Nullable String takeFlash() {
      String f = flash;
      flash = null;
      return f;
    }
  }

  /**
   * @param cookie the cookie's name
   * @param path the cookie's path (the pages it is sent to)
   * @param sameSite the cookie's SameSite: {@code Strict}, or {@code Lax} for pages reached by a redirect from
   *     another site (an OAuth callback)
   * @param secure whether the service runs TLS (the cookie is then Secure)
   * @param idle how long a session lasts without a request
   * @param lifetime how long a session lasts at most, however busy
   */
  public Sessions(String cookie, String path, String sameSite, boolean secure, Duration idle, Duration lifetime,
      LongSupplier millis) {
    this.cookie = cookie;
    this.path = path;
    this.sameSite = sameSite;
    this.secure = secure;
    this.idleMillis = idle.toMillis();
    this.lifetimeMillis = lifetime.toMillis();
    this.millis = millis;
  }

  /** The session of this request's cookie, when it exists and has not been idle too long. */
  public @Nullable Session find(Context ctx) {
    String value = ctx.cookie(cookie);
    if (value == null || value.length() > 100) {
      return null;
    }
    String hash = hash(value);
    Session s = byHash.get(hash);
    if (s == null) {
      return null;
    }
    long now = millis.getAsLong();
    if (expired(s, now)) {
      byHash.remove(hash, s);
      return null;
    }
    s.lastSeen = now;
    return s;
  }

  /** A new session; its cookie is set on the response. */
  public Session create(Context ctx) {
    long now = millis.getAsLong();
    if (byHash.size() >= MAX) {
      byHash.values().removeIf(s -> expired(s, now));
      if (byHash.size() >= MAX) {
        // a tenth at once, so that a flood does not sort the map on every request
        evictLeastRecentlyUsed(byHash.values().stream().filter(s -> !s.signedIn()).toList());
      }
      if (byHash.size() >= MAX) {
        evictLeastRecentlyUsed(List.copyOf(byHash.values()));
      }
    }
    String value = random();
    String hash = hash(value);
    Session s = new Session(hash, random(), now);
    byHash.put(hash, s);
    ctx.res().addHeader("Set-Cookie", cookie + "=" + value + "; Path=" + path + "; HttpOnly; SameSite=" + sameSite
        + (secure ? "; Secure" : ""));
    return s;
  }

  private boolean expired(Session s, long now) {
    return now - s.lastSeen > idleMillis || now - s.created > lifetimeMillis;
  }

  private void evictLeastRecentlyUsed(List<Session> candidates) {
    List<Session> oldestFirst = new ArrayList<>(candidates);
    oldestFirst.sort(Comparator.comparingLong(s -> s.lastSeen));
    int extra = byHash.size() - MAX + 1 + MAX / 10;
    for (int i = 0; i < Math.min(extra, oldestFirst.size()); i++) {
      byHash.remove(oldestFirst.get(i).hash, oldestFirst.get(i));
    }
  }

  /** The request's session, or a new one. */
  public Session findOrCreate(Context ctx) {
    Session s = find(ctx);
    return s != null ? s : create(ctx);
  }

  /** Ends {@code s} and clears the cookie. */
  public void end(Context ctx, Session s) {
    byHash.remove(s.hash, s);
    ctx.res().addHeader("Set-Cookie", cookie + "=; Path=" + path + "; Max-Age=0; HttpOnly; SameSite=" + sameSite
        + (secure ? "; Secure" : ""));
  }

  /** Sessions held now (for tests). */
  int size() {
    return byHash.size();
  }

  /** All sessions, for an action that affects every one. */
  Map<String, Session> all() {
    return byHash;
  }

  static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String hash(String value) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
