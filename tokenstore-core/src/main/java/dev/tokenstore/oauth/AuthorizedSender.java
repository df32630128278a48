package dev.tokenstore.oauth;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends API requests with the environment's {@code Authorization} header and recognizes the 401 replies that
 * say the access token is no longer good: Zoho's {@code INVALID_TOKEN} or {@code AUTHENTICATION_FAILURE}, or an
 * RFC 6750 {@code invalid_token} challenge. A 401 body is read as bytes to be looked at and, when it is another
 * 401, replayed to the caller's body handler ({@link ReplayedResponse}). Getting a token (and a fresh one after
 * such a 401) is the caller's business. Immutable; thread-safe ({@link HttpClient} is).
 */
final class AuthorizedSender {
  private final Supplier<HttpClient> http;
  private final Environment environment;

  AuthorizedSender(Supplier<HttpClient> http, Environment environment) {
    this.http = http;
    this.environment = environment;
  }

  /**
   * Sends {@code request} with {@code access}; null when the API rejected that access token (the caller then
   * gets a new one and calls {@link #sendAgain}). Any other response is returned as it is.
   */
  <T> @Nullable HttpResponse<T> send(HttpRequest.Builder request, String access, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    BodyHandler<Object> probe = info -> info.statusCode() == 401
        ? BodySubscribers.mapping(BodySubscribers.ofByteArray(), Buffered::new)
        : BodySubscribers.mapping(handler.apply(info), x -> x);
    HttpResponse<Object> first = http.get().send(authorized(request, access), probe);
    if (!(first.body() instanceof Buffered buffered)) {
      @SuppressWarnings("unchecked")
      HttpResponse<T> plain = (HttpResponse<T>) first;
      return plain;
    }
    if (!isInvalidToken(first, buffered.bytes)) {
      return ReplayedResponse.replay(first, buffered.bytes, handler);
    }
    return null;
  }

  /** Sends {@code request} once more with a new access token, whatever the response. */
  <T> HttpResponse<T> sendAgain(HttpRequest.Builder request, String access, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return http.get().send(authorized(request, access), handler);
  }

  private record Buffered(byte[] bytes) {}

  private HttpRequest authorized(HttpRequest.Builder request, String access) {
    return request.copy().setHeader("Authorization", environment.authorizationScheme() + " " + access).build();
  }

  private static boolean isInvalidToken(HttpResponse<?> r, byte[] body) {
    for (String h : r.headers().allValues("WWW-Authenticate")) {
      if (h.toLowerCase(Locale.ROOT).contains("invalid_token")) {
        return true;
      }
    }
    Map<String, String> m = TokenReplies.parseFlat(new String(body, StandardCharsets.UTF_8));
    if (m == null) {
      return false;
    }
    String code = m.getOrDefault("code", m.get("error"));
    return code != null && (code.equalsIgnoreCase("INVALID_TOKEN") || code.equalsIgnoreCase("AUTHENTICATION_FAILURE")
        || code.equalsIgnoreCase("invalid_token"));
  }
}
