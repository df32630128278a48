package dev.tokenstore.oauth;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A token manager's HTTP client, built when a call first needs it: a manager that only hands out valid tokens
 * from its store never builds one (building the JDK's client sets up TLS, about 0.2 s of a command-line start).
 * A client given to the builder is used as it is. Thread-safe.
 */
final class LazyHttp implements Supplier<HttpClient> {
  private final Duration connectTimeout;
  private volatile @Nullable HttpClient client;

  private LazyHttp(@Nullable HttpClient given, Duration connectTimeout) {
    this.client = given;
    this.connectTimeout = connectTimeout;
  }

  /** {@code given}, or a client with {@code connectTimeout} and no redirects followed, built on first use. */
  static LazyHttp of(@Nullable HttpClient given, Duration connectTimeout) {
    return new LazyHttp(given, connectTimeout);
  }

  @Override
  public HttpClient get() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          c = HttpClient.newBuilder()
              .connectTimeout(connectTimeout)
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
          client = c;
        }
      }
    }
    return c;
  }

  /** Whether the client exists yet (for tests of the lazy start). */
  boolean built() {
    return client != null;
  }
}
