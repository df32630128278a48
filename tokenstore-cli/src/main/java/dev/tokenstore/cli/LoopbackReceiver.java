package dev.tokenstore.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.oauth.AuthorizationRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Receives the authorization redirect on {@code http://127.0.0.1:PORT/callback}: a request that is not for the
 * authorization in progress ({@link AuthorizationRequest#isFor}: another state) gets HTTP 400 and is otherwise
 * ignored; the first one that is for it is handed to {@link #await} as its raw query. Thread-safe.
 */
final class LoopbackReceiver implements AutoCloseable {
  static final String PATH = "/callback";

  private final HttpServer server;
  private final ExecutorService executor;
  private volatile @Nullable AuthorizationRequest request;
  private final CompletableFuture<String> result = new CompletableFuture<>();

  LoopbackReceiver(int port) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    } catch (IOException e) {
      throw new CliException("Could not listen on 127.0.0.1:" + port + " for the authorization redirect ("
          + e.getMessage() + "). Choose another --port, or leave it out for a free one.");
    }
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tokenstore-loopback");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext(PATH, this::handle);
    server.start();
  }

  /** The redirect URI to register and send: {@code http://127.0.0.1:PORT/callback}. */
  String redirectUri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String raw = ex.getRequestURI().getRawQuery();
      String query = raw == null ? "" : raw;
      AuthorizationRequest expected = request;
      if (expected == null || !expected.isFor(query)) {
        page(ex, 400, "This request does not carry the state of the login in progress; it was ignored. "
            + "Start the login again if it does not complete.");
        return;
      }
      if (result.isDone()) {
        page(ex, 409, "The login has already received its answer. You can close this window.");
        return;
      }
      Map<String, String> params = parseQuery(query);
      if (params.containsKey("error")) {
        page(ex, 200, "The authorization server refused: " + clean(params.get("error"))
            + ". You can close this window and see the terminal.");
      } else {
        page(ex, 200, "tokenstore received the authorization. You can close this window and return to the terminal.");
      }
      result.complete(query);
    }
  }

  /** Accepts redirects for {@code request} from now on. */
  void expect(AuthorizationRequest request) {
    this.request = request;
  }

  /** The redirect's raw query, once a request for the expected authorization arrived. */
  String await(Duration timeout) {
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CliException("No authorization arrived within " + timeout.toSeconds() + " s. Open the URL in a "
          + "browser and approve, or raise --timeout.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("Interrupted while waiting for the authorization.");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  static Map<String, String> parseQuery(@Nullable String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformed) {
        // skip a parameter with a broken escape
      }
    }
    return out;
  }

  static String clean(@Nullable String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && sb.length() < 100; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f && c != '<' && c != '>' && c != '&' ? c : '?');
    }
    return sb.toString();
  }


  private static void page(HttpExchange ex, int status, String text) throws IOException {
    byte[] body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tokenstore</title></head><body><p>"
        + text + "</p></body></html>").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
