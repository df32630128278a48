package dev.tokenstore.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.emulator.Faults.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The emulator's HTTP side: routes a request to its endpoint, checks the method, reads the parameters (query
 * string and form body), counts it, applies the endpoint's next queued fault, and writes the state's
 * {@link Reply} as JSON, a redirect or an HTML page. Thread-safe (it holds no state of its own).
 */
final class HttpFront {
  private static final System.Logger LOG = System.getLogger(AccountsEmulator.class.getName());
  private static final Pattern USERS_PATH = Pattern.compile("/crm/v[0-9]+/users/?");
  private static final Pattern API_PATH = Pattern.compile("/crm/v[0-9]+/[^/].*");
  private static final int MAX_BODY = 64 * 1024;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final AccountsState state;
  private final Map<Endpoint, Faults> faults;
  private final Counters counters;
  private final ObjectMapper json = new ObjectMapper();

  HttpFront(AccountsState state, Map<Endpoint, Faults> faults, Counters counters) {
    this.state = state;
    this.faults = faults;
    this.counters = counters;
  }

  /**
   * Listens on 127.0.0.1:{@code port} (0: a free port) and serves requests with this front on {@code executor}.
   * Stop the server, then shut the executor down.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  HttpServer listen(int port, ExecutorService executor) {
    try {
      // The JDK server sends small replies late (Nagle + delayed ACK: ~40 ms a call on loopback) unless
      // TCP_NODELAY is on; the property is read once, when the JDK's server classes load.
      if (System.getProperty("sun.net.httpserver.nodelay") == null) {
        System.setProperty("sun.net.httpserver.nodelay", "true");
      }
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
      server.setExecutor(executor);
      server.createContext("/", this::handle);
      server.start();
      return server;
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException(
          "The accounts emulator could not listen on 127.0.0.1:" + port + " (" + e.getMessage()
              + "); choose another port, or port 0 for a free one",
          e);
    }
  }

  /** A cached pool of daemon threads named {@code accounts-emulator-<instance>-<n>}. */
  static ExecutorService newExecutor() {
    int instance = INSTANCES.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "accounts-emulator-" + instance + "-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    return Executors.newCachedThreadPool(factory);
  }

  void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      Endpoint endpoint;
      String allowed;
      if (path.equals("/oauth/v2/auth")) {
        endpoint = Endpoint.AUTHORIZATION;
        allowed = "GET";
      } else if (path.equals("/oauth/v2/token")) {
        endpoint = Endpoint.TOKEN;
        allowed = "POST";
      } else if (path.equals("/oauth/v2/token/revoke")) {
        endpoint = Endpoint.REVOKE;
        allowed = "POST";
      } else if (USERS_PATH.matcher(path).matches()) {
        endpoint = Endpoint.USER_INFO;
        allowed = "GET";
      } else if (API_PATH.matcher(path).matches()) {
        endpoint = Endpoint.API;
        allowed = method; // a stand-in for any API call
      } else {
        send(ex, Reply.json(404, Map.of("error", "not_found", "status", "failure")));
        return;
      }
      if (!method.equals(allowed)) {
        ex.getResponseHeaders().set("Allow", allowed);
        send(ex, Reply.json(405, Map.of("error", "method_not_allowed", "status", "failure")));
        return;
      }
      String rawQuery = ex.getRequestURI().getRawQuery();
      Map<String, String> params = parseForm(rawQuery);
      String raw = rawQuery == null ? "" : rawQuery;
      if (endpoint == Endpoint.TOKEN || endpoint == Endpoint.REVOKE) {
        byte[] body = readBody(ex.getRequestBody());
        String form = new String(body, StandardCharsets.UTF_8);
        params.putAll(parseForm(form));
        raw = raw.isEmpty() ? form : form.isEmpty() ? raw : raw + "&" + form;
      }
      counters.count(endpoint, params);
      Fault fault = Objects.requireNonNull(faults.get(endpoint), "every endpoint has its faults").next();
      if (fault != null && !applyFault(ex, fault, raw)) {
        LOG.log(System.Logger.Level.DEBUG, "{0} {1}: injected fault {2}", method, path, fault.kind());
        return;
      }
      Reply reply =
          switch (endpoint) {
            case AUTHORIZATION -> state.authorize(params);
            case TOKEN -> state.token(params);
            case REVOKE -> state.revoke(params.get("token"));
            case USER_INFO -> state.currentUser(
                ex.getRequestHeaders().getFirst("Authorization"), params.get("type"));
            case API -> state.apiCall(ex.getRequestHeaders().getFirst("Authorization"));
          };
      LOG.log(System.Logger.Level.DEBUG, "{0} {1}: {2}", method, path, reply.outcome());
      send(ex, reply);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "accounts emulator failed to serve a request", e);
      throw e;
    }
  }

  /** Applies a fault to a call whose raw query and form are {@code raw}; true if it should then be served normally. */
  private boolean applyFault(HttpExchange ex, Fault fault, String raw) throws IOException {
    switch (fault.kind()) {
      case DELAY -> {
        try {
          Thread.sleep(fault.delay().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false; // closing: the connection is dropped
        }
        return true;
      }
      case STATUS, MALFORMED, ECHO -> {
        UnaryOperator<String> echo = fault.echo();
        String text = echo != null ? echo.apply(raw) : fault.body();
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", fault.contentType());
        if (fault.retryAfter() != null) {
          ex.getResponseHeaders().set("Retry-After", fault.retryAfter());
        }
        ex.sendResponseHeaders(fault.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
        return false;
      }
      case DROP -> {
        // Closing an exchange whose headers were never sent closes the connection without a reply.
        return false;
      }
      case THROTTLE -> {
        send(ex, Reply.throttled());
        return false;
      }
      case HOLD -> {
        Objects.requireNonNull(fault.arrived()).countDown();
        try {
          Objects.requireNonNull(fault.release()).await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false; // closing: the connection is dropped
        }
        return true;
      }
      case RUN -> {
        try {
          Objects.requireNonNull(fault.action()).run();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "a fault action of the accounts emulator failed", e);
          send(ex, Reply.json(500, Map.of("error", "fault_action_failed", "status", "failure")));
          return false;
        }
        return true;
      }
    }
    throw new AssertionError(fault.kind());
  }

  private void send(HttpExchange ex, Reply reply) throws IOException {
    byte[] body;
    if (reply.location() != null) {
      ex.getResponseHeaders().set("Location", reply.location());
      body = new byte[0];
    } else if (reply.html() != null) {
      ex.getResponseHeaders().set("Content-Type", "text/html; charset=UTF-8");
      body =
          ("<!DOCTYPE html><html><head><title>Accounts emulator</title></head><body><p>"
                  + escapeHtml(reply.html())
                  + "</p></body></html>")
              .getBytes(StandardCharsets.UTF_8);
    } else {
      ex.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      try {
        body = json.writeValueAsBytes(reply.json());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("could not write a JSON reply", e);
      }
    }
    ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY + 1);
    if (body.length > MAX_BODY) {
      throw new IOException("request body larger than " + MAX_BODY + " bytes");
    }
    return body;
  }

  /** Parses {@code application/x-www-form-urlencoded} text; the first value of a repeated name wins. */
  static Map<String, String> parseForm(@Nullable String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformedEscape) {
        // Skip a parameter with a broken %-escape, as lenient servers do.
      }
    }
    return out;
  }

  private static String escapeHtml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
