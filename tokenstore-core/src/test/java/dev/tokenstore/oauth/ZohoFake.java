package dev.tokenstore.oauth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small scripted server speaking Zoho's accounts protocol on 127.0.0.1 (test fixture, not the emulator):
 * token, revoke, users?type=CurrentUser and one CRM endpoint, with scripted faults for the token endpoint.
 */
final class ZohoFake implements AutoCloseable {
  static final String CLIENT_ID = "1000.CLIENTID";
  static final String CLIENT_SECRET = "cs-SECRET-0f9e8d7c6b5a";

  /** A scripted reply for the next token-endpoint call. */
  record Fault(int status, String body, boolean drop, long delayMillis, String retryAfter) {
    static Fault reply(int status, String body) {
      return new Fault(status, body, false, 0, null);
    }

    static Fault dropConnection() {
      return new Fault(0, "", true, 0, null);
    }

    static Fault throttled429(String retryAfter) {
      return new Fault(429, "{\"error\":\"too_many_requests\"}", false, 0, retryAfter);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  final String base;
  final AtomicInteger tokenCalls = new AtomicInteger();
  final AtomicInteger refreshCalls = new AtomicInteger();
  final AtomicInteger exchangeCalls = new AtomicInteger();
  final AtomicInteger revokeCalls = new AtomicInteger();
  final AtomicInteger userCalls = new AtomicInteger();
  final AtomicInteger apiCalls = new AtomicInteger();
  final ConcurrentLinkedQueue<Fault> script = new ConcurrentLinkedQueue<>();
  final Map<String, String> grants = new ConcurrentHashMap<>();
  final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
  final Set<String> accessTokens = ConcurrentHashMap.newKeySet();
  private final AtomicInteger serial = new AtomicInteger();
  volatile boolean oldExpiresForm;
  volatile boolean rotate;
  volatile boolean rejectAllApiCalls;
  volatile long lifetimeSeconds = 3600;
  volatile String userEmail = "ada@example.com";
  /** When set, token calls wait for it (bounded) before answering. */
  volatile CountDownLatch gate;
  /** Counted down when a token call arrives. */
  volatile CountDownLatch entered = new CountDownLatch(0);
  /** Runs when a refresh call arrives, before the reply (to act as a sibling). */
  volatile Runnable onRefresh = () -> {};

  ZohoFake() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/oauth/v2/token", this::token);
    server.createContext("/oauth/v2/token/revoke", this::revoke);
    server.createContext("/crm/v8/users", this::users);
    server.createContext("/crm/v8/Leads", this::leads);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Environment environment() {
    return Environment.zohoAccounts(base, base);
  }

  /** A new single-use grant code. */
  String grant() {
    String code = "1000.grant-" + serial.incrementAndGet() + "-SECRET";
    grants.put(code, userEmail);
    return code;
  }

  /** A refresh token the server accepts. */
  String refreshToken() {
    String rt = "1000.rt-" + serial.incrementAndGet() + "-SECRET";
    refreshTokens.add(rt);
    return rt;
  }

  private void token(HttpExchange ex) throws IOException {
    try {
      if (!ex.getRequestURI().getPath().equals("/oauth/v2/token")) {
        send(ex, 404, "{}", null);
        return;
      }
      tokenCalls.incrementAndGet();
      entered.countDown();
      Map<String, String> form = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      if ("refresh_token".equals(form.get("grant_type"))) {
        refreshCalls.incrementAndGet();
        onRefresh.run();
      } else {
        exchangeCalls.incrementAndGet();
      }
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Fault f = script.poll();
      if (f != null) {
        if (f.delayMillis > 0) {
          sleep(f.delayMillis);
        }
        if (f.drop) {
          return; // closes the exchange without a response: the client sees the connection end
        }
        if (f.status > 0) {
          send(ex, f.status, f.body, f.retryAfter);
          return;
        }
      }
      if (!CLIENT_ID.equals(form.get("client_id")) || !CLIENT_SECRET.equals(form.get("client_secret"))) {
        send(ex, 200, "{\"error\":\"invalid_client\"}", null);
        return;
      }
      String grantType = form.get("grant_type");
      String rt;
      if ("authorization_code".equals(grantType)) {
        String code = form.getOrDefault("code", "");
        if (grants.remove(code) == null) {
          send(ex, 200, "{\"error\":\"invalid_code\"}", null);
          return;
        }
        rt = refreshToken();
      } else if ("refresh_token".equals(grantType)) {
        String old = form.getOrDefault("refresh_token", "");
        if (!refreshTokens.contains(old)) {
          send(ex, 200, "{\"error\":\"invalid_code\"}", null);
          return;
        }
        if (rotate) {
          refreshTokens.remove(old);
          rt = refreshToken();
        } else {
          rt = null;
        }
      } else {
        send(ex, 200, "{\"error\":\"unsupported_grant_type\"}", null);
        return;
      }
      String at = "1000.at-" + serial.incrementAndGet() + "-SECRET";
      accessTokens.add(at);
      long life = lifetimeSeconds;
      String expires = oldExpiresForm
          ? "\"expires_in\":" + (life * 1000) + ",\"expires_in_sec\":" + life
          : "\"expires_in\":" + life;
      send(ex, 200, "{\"access_token\":\"" + at + "\","
          + (rt == null ? "" : "\"refresh_token\":\"" + rt + "\",")
          + "\"api_domain\":\"" + base + "\",\"token_type\":\"Bearer\"," + expires + "}", null);
    } finally {
      ex.close();
    }
  }

  private void revoke(HttpExchange ex) throws IOException {
    try {
      revokeCalls.incrementAndGet();
      String q = ex.getRequestURI().getRawQuery();
      String token = q == null ? "" : form(q).getOrDefault("token", "");
      if (refreshTokens.remove(token) || accessTokens.remove(token)) {
        send(ex, 200, "{\"status\":\"success\"}", null);
      } else {
        send(ex, 400, "{\"status\":\"failure\",\"error\":\"invalid_token\"}", null);
      }
    } finally {
      ex.close();
    }
  }

  private void users(HttpExchange ex) throws IOException {
    try {
      userCalls.incrementAndGet();
      if (!authorized(ex)) {
        send(ex, 401, "{\"code\":\"INVALID_TOKEN\",\"status\":\"error\"}", null);
        return;
      }
      send(ex, 200, "{\"users\":[{\"id\":\"42\",\"full_name\":\"Ada\",\"email\":\"" + userEmail + "\"}],"
          + "\"info\":{\"count\":1}}", null);
    } finally {
      ex.close();
    }
  }

  private void leads(HttpExchange ex) throws IOException {
    try {
      apiCalls.incrementAndGet();
      if (rejectAllApiCalls || !authorized(ex)) {
        send(ex, 401, "{\"code\":\"INVALID_TOKEN\",\"details\":{},\"message\":\"invalid oauth token\","
            + "\"status\":\"error\"}", null);
        return;
      }
      send(ex, 200, "{\"data\":[]}", null);
    } finally {
      ex.close();
    }
  }

  private boolean authorized(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    return h != null && h.startsWith("Zoho-oauthtoken ") && accessTokens.contains(h.substring(16));
  }

  private static void send(HttpExchange ex, int status, String body, String retryAfter) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (retryAfter != null) {
      ex.getResponseHeaders().set("Retry-After", retryAfter);
    }
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }

  static Map<String, String> form(String s) {
    Map<String, String> m = new HashMap<>();
    for (String part : s.split("&")) {
      int i = part.indexOf('=');
      if (i > 0) {
        m.put(URLDecoder.decode(part.substring(0, i), StandardCharsets.UTF_8),
            URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8));
      }
    }
    return m;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    CountDownLatch g = gate;
    if (g != null) {
      while (g.getCount() > 0) {
        g.countDown();
      }
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
