package dev.tokenstore.spring;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP client that keeps cookies and follows redirects (up to 20), as a browser signing in would. Thread-safe.
 */
public final class Browser {
  private final HttpClient http = HttpClient.newBuilder()
      .cookieHandler(new CookieManager())
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  /** GETs {@code url} and follows its redirects; the last response. */
  public HttpResponse<String> get(String url) throws IOException, InterruptedException {
    URI uri = URI.create(url);
    List<String> chain = new ArrayList<>();
    for (int hop = 0; hop < 20; hop++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      String location = r.headers().firstValue("Location").orElse(null);
      if (r.statusCode() / 100 != 3 || location == null) {
        return r;
      }
      chain.add(uri.getPath());
      uri = uri.resolve(location);
    }
    throw new IOException("more than 20 redirects: " + chain);
  }
}
