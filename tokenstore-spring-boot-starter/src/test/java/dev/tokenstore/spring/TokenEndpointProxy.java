package dev.tokenstore.spring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of a token endpoint that counts the requests by grant type: what the application
 * really sent to the authorization server, whatever any library says. Thread-safe.
 */
public final class TokenEndpointProxy implements AutoCloseable {
  private final HttpServer server;
  private final URI target;
  private final HttpClient client = HttpClient.newHttpClient();
  private final AtomicInteger refreshes = new AtomicInteger();
  private final AtomicInteger refreshFailures = new AtomicInteger();
  private final AtomicInteger codeExchanges = new AtomicInteger();
  private final AtomicInteger refreshesWithoutClientSecret = new AtomicInteger();
  private final String basicCredentials;
  private final String formSecret;

  /** @param clientId, clientSecret the credentials every refresh must carry (HTTP Basic or form) */
  public TokenEndpointProxy(URI target, String clientId, String clientSecret) throws IOException {
    this.target = target;
    this.basicCredentials = "Basic " + java.util.Base64.getEncoder().encodeToString(
        (clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
    this.formSecret = "client_secret=" + java.net.URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(64));
    server.start();
  }

  /** The URL to configure as the registration's token URI. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** Token requests with {@code grant_type=refresh_token} so far. */
  public int refreshes() {
    return refreshes.get();
  }

  /** Of those, the ones the server refused. */
  public int refreshFailures() {
    return refreshFailures.get();
  }

  /** Refreshes that carried neither the client's Basic credentials nor its secret in the form. */
  public int refreshesWithoutClientSecret() {
    return refreshesWithoutClientSecret.get();
  }

  public int codeExchanges() {
    return codeExchanges.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String form = new String(body, StandardCharsets.UTF_8);
      boolean refresh = form.contains("grant_type=refresh_token");
      if (refresh) {
        refreshes.incrementAndGet();
        if (!basicCredentials.equals(exchange.getRequestHeaders().getFirst("Authorization"))
            && !form.contains(formSecret)) {
          refreshesWithoutClientSecret.incrementAndGet();
        }
      } else if (form.contains("grant_type=authorization_code")) {
        codeExchanges.incrementAndGet();
      }
      HttpRequest.Builder forward = HttpRequest.newBuilder(target).POST(HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : new String[] {"Content-Type", "Authorization", "Accept"}) {
        String v = exchange.getRequestHeaders().getFirst(h);
        if (v != null) {
          forward.header(h, v);
        }
      }
      HttpResponse<byte[]> r;
      try {
        r = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      if (refresh && r.statusCode() != 200) {
        refreshFailures.incrementAndGet();
      }
      r.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
      exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(r.body());
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
