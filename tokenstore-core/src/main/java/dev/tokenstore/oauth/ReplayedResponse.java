package dev.tokenstore.oauth;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * A response whose body was read as bytes (to look at a 401) and is then handed to the caller's body handler,
 * as if it had come from the network. Immutable once built; thread-safe.
 */
final class ReplayedResponse<T> implements HttpResponse<T> {
  private final HttpResponse<?> original;
  private final T body;

  private ReplayedResponse(HttpResponse<?> original, T body) {
    this.original = original;
    this.body = body;
  }

  /** Feeds {@code bytes} to {@code handler} and returns {@code original} with the handler's body. */
  static <T> HttpResponse<T> replay(HttpResponse<?> original, byte[] bytes, BodyHandler<T> handler)
      throws java.io.IOException, InterruptedException {
    ResponseInfo info = new ResponseInfo() {
      @Override
      public int statusCode() {
        return original.statusCode();
      }

      @Override
      public HttpHeaders headers() {
        return original.headers();
      }

      @Override
      public HttpClient.Version version() {
        return original.version();
      }
    };
    BodySubscriber<T> subscriber = handler.apply(info);
    subscriber.onSubscribe(new Flow.Subscription() {
      private boolean done;

      @Override
      public synchronized void request(long n) {
        if (done || n <= 0) {
          return;
        }
        done = true;
        if (bytes.length > 0) {
          subscriber.onNext(List.of(ByteBuffer.wrap(bytes)));
        }
        subscriber.onComplete();
      }

      @Override
      public synchronized void cancel() {
        done = true;
      }
    });
    try {
      return new ReplayedResponse<>(original, subscriber.getBody().toCompletableFuture().get());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.io.IOException io) {
        throw io;
      }
      throw new java.io.IOException("The body handler failed on the buffered response", c);
    }
  }

  @Override
  public int statusCode() {
    return original.statusCode();
  }

  @Override
  public HttpRequest request() {
    return original.request();
  }

  @Override
  public Optional<HttpResponse<T>> previousResponse() {
    return Optional.empty();
  }

  @Override
  public HttpHeaders headers() {
    return original.headers();
  }

  @Override
  public T body() {
    return body;
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return original.sslSession();
  }

  @Override
  public URI uri() {
    return original.uri();
  }

  @Override
  public HttpClient.Version version() {
    return original.version();
  }
}
