package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.TokenReplies.failIfError;
import static dev.tokenstore.oauth.TokenReplies.firstUserEmail;
import static dev.tokenstore.oauth.TokenReplies.isClientError;
import static dev.tokenstore.oauth.TokenReplies.isThrottle;
import static dev.tokenstore.oauth.TokenReplies.parseFlat;
import static dev.tokenstore.oauth.TokenReplies.protocol;
import static dev.tokenstore.oauth.TokenReplies.rejection;
import static dev.tokenstore.oauth.TokenReplies.serverError;
import static dev.tokenstore.oauth.TokenReplies.throttled;
import static dev.tokenstore.oauth.TokenReplies.tokenReply;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The wire format of the token endpoint, the revoke endpoint and Zoho's current-user lookup: builds the
 * form-encoded requests, reads Zoho's and RFC 6749's replies, and turns every failure into an
 * {@link OAuthException} whose code says whether it is transient ({@link ErrorCode#SERVER_ERROR}, the only
 * code worth retrying), throttling, a rejection or a protocol violation. One attempt per call: retrying is
 * the token manager's concern.
 *
 * <p>A successful reply becomes a {@link TokenReply} only when it is a valid token ({@link TokenReplies#tokenReply}): an
 * access token (and a refresh token, when present) of printable ASCII without surrounding white space (RFC 6749's
 * {@code 1*VSCHAR}), an {@code expires_in} that is a number of seconds from 1 to {@link #MAX_LIFETIME}, and an
 * {@code api_domain}, when present, that is an http(s) URL. Anything else is {@link ErrorCode#PROTOCOL_ERROR}, so
 * that a broken reply never changes a stored token.
 *
 * <p>Messages never contain a token or client secret: server texts are reduced to a short, plain
 * {@code error} value with every secret sent in the request removed.
 *
 * <p>Thread-safe (immutable; {@link HttpClient} is thread-safe).
 */
final class TokenEndpointClient {
  /** The lifetime assumed when a reply has no {@code expires_in}: Zoho's documented one hour. */
  static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
  /**
   * The longest access-token lifetime a reply may give: ten years (3,650 days). A longer {@code expires_in} is a
   * protocol error, not a token: real servers issue minutes to days (Zoho: one hour), and a value that large is a
   * server bug or a unit mix-up. Zoho's legacy replies carry {@code expires_in} in milliseconds next to
   * {@code expires_in_sec} in seconds: {@code expires_in_sec} is read when present, so the bound applies to
   * seconds (a legacy one-hour {@code expires_in} of 3,600,000 read as seconds is also within it).
   */
  static final Duration MAX_LIFETIME = Duration.ofDays(3650);
  /** The wait suggested for throttling when the server gives no {@code Retry-After}. */
  static final Duration DEFAULT_THROTTLE_WAIT = Duration.ofSeconds(60);
  /** The longest reply body read: 1 MiB (a token reply is well under a kilobyte). */
  static final int MAX_BODY_BYTES = 1 << 20;


  private final Supplier<HttpClient> http;
  private final Duration requestTimeout;

  TokenEndpointClient(HttpClient http, Duration requestTimeout) {
    this(constant(Objects.requireNonNull(http, "http")), requestTimeout);
  }

  /** With the client {@code http} gives when a call is made (built on first use: {@link LazyHttp}). */
  TokenEndpointClient(Supplier<HttpClient> http, Duration requestTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  private static Supplier<HttpClient> constant(HttpClient http) {
    return () -> http;
  }

  /** A successful token reply. {@code refreshToken} and {@code apiDomain} are null when the reply has none. */
  record TokenReply(
      String accessToken, @Nullable String refreshToken, Duration expiresIn, @Nullable String apiDomain) {
    @Override
    public String toString() {
      return "TokenReply{accessToken=" + Secrets.redact(accessToken) + ", refreshToken="
          + (refreshToken == null ? null : Secrets.redact(refreshToken)) + ", expiresIn=" + expiresIn
          + ", apiDomain=" + apiDomain + "}";
    }
  }

  /** Exchanges a grant token (authorization code). */
  TokenReply exchange(
      Environment env, String clientId, @Nullable String clientSecret, @Nullable String redirectUrl, String code) {
    return exchange(env, clientId, clientSecret, redirectUrl, code, null);
  }

  /** Exchanges a grant token (authorization code) with its PKCE {@code code_verifier} (RFC 7636), if any. */
  TokenReply exchange(
      Environment env, String clientId, @Nullable String clientSecret, @Nullable String redirectUrl, String code,
      @Nullable String codeVerifier) {
    Map<String, String> form = new java.util.LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    if (redirectUrl != null) {
      form.put("redirect_uri", redirectUrl);
    }
    if (codeVerifier != null) {
      form.put("code_verifier", codeVerifier);
    }
    return tokenCall(env, form, clientId, clientSecret, "exchange the grant token",
        codeVerifier == null ? List.of(code) : List.of(code, codeVerifier));
  }

  /** Refreshes with a refresh token. */
  TokenReply refresh(Environment env, String clientId, @Nullable String clientSecret, String refreshToken) {
    Map<String, String> form = new java.util.LinkedHashMap<>();
    form.put("grant_type", "refresh_token");
    form.put("refresh_token", refreshToken);
    return tokenCall(env, form, clientId, clientSecret, "refresh the access token", List.of(refreshToken));
  }

  private TokenReply tokenCall(
      Environment env,
      Map<String, String> form,
      String clientId,
      @Nullable String clientSecret,
      String what,
      List<String> secrets) {
    List<String> allSecrets = new ArrayList<>(secrets);
    if (clientSecret != null) {
      allSecrets.add(clientSecret);
      allSecrets.add(basicCredentials(clientId, clientSecret)); // a server may echo the Authorization header
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(env.tokenUrl())
        .timeout(requestTimeout)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json");
    addClientAuth(env, rb, form, clientId, clientSecret);
    HttpResponse<String> resp = send(rb.POST(HttpRequest.BodyPublishers.ofString(encode(form))).build(),
        env, what, true);
    int status = resp.statusCode();
    Map<String, String> m = parseFlat(resp.body());
    failIfError(env, what, status, m, resp, allSecrets);
    if (status / 100 == 2 && m != null && m.get("access_token") != null) {
      return tokenReply(m, env, what, status, allSecrets);
    }
    throw protocol(env, what, status, m == null
        ? "a body that is not a JSON object" : "a JSON reply without access_token or error", null);
  }

  /**
   * Revokes {@code token} (a refresh token, or an access token when {@code hint} says so). An unknown or
   * already revoked token is success: revocation is idempotent.
   */
  void revoke(
      Environment env, String token, String hint, @Nullable String clientId, @Nullable String clientSecret) {
    URI revokeUrl = env.revokeUrl().orElseThrow();
    List<String> secrets = clientSecret == null ? List.of(token)
        : clientId == null ? List.of(token, clientSecret)
        : List.of(token, clientSecret, basicCredentials(clientId, clientSecret));
    HttpRequest request;
    if (env.protocol() == Environment.Protocol.ZOHO) {
      String sep = revokeUrl.getRawQuery() == null ? "?" : "&";
      request = HttpRequest.newBuilder(URI.create(revokeUrl + sep + "token=" + enc(token)))
          .timeout(requestTimeout)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.noBody())
          .build();
    } else {
      Map<String, String> form = new java.util.LinkedHashMap<>();
      form.put("token", token);
      form.put("token_type_hint", hint);
      HttpRequest.Builder rb = HttpRequest.newBuilder(revokeUrl)
          .timeout(requestTimeout)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Accept", "application/json");
      if (clientId != null) {
        addClientAuth(env, rb, form, clientId, clientSecret);
      }
      request = rb.POST(HttpRequest.BodyPublishers.ofString(encode(form))).build();
    }
    // The Zoho revoke URL carries the token: never attach the I/O cause, whose text may quote the URL.
    HttpResponse<String> resp = send(request, env, "revoke the token", env.protocol() != Environment.Protocol.ZOHO);
    int status = resp.statusCode();
    Map<String, String> m = parseFlat(resp.body());
    String error = m == null ? null : m.get("error");
    if (status == 429 || (error != null && isThrottle(error))) {
      throw throttled(env, "revoke the token", status, resp, m, secrets);
    }
    if (status >= 500 || status == 408) {
      throw serverError(env, "revoke the token", status, null);
    }
    if (error != null && isClientError(error)) {
      throw rejection(env, "revoke the token", status, error, secrets);
    }
    // 2xx, or 4xx for a token the server does not know (already revoked): both mean "not valid any more".
  }

  /** The e-mail of the current user from Zoho CRM's {@code users?type=CurrentUser}, or null if absent. */
  @Nullable String currentUserEmail(Environment env, String apiDomain, String accessToken) {
    String base = apiDomain.endsWith("/") ? apiDomain.substring(0, apiDomain.length() - 1) : apiDomain;
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/crm/v8/users?type=CurrentUser"))
        .timeout(requestTimeout)
        .header("Authorization", env.authorizationScheme() + " " + accessToken)
        .header("Accept", "application/json")
        .GET()
        .build();
    HttpResponse<String> resp = send(request, env, "look up the current user", true);
    if (resp.statusCode() / 100 != 2) {
      if (resp.statusCode() >= 500) {
        throw serverError(env, "look up the current user", resp.statusCode(), null);
      }
      throw protocol(env, "look up the current user", resp.statusCode(), "an error reply", null);
    }
    try {
      return firstUserEmail(resp.body());
    } catch (IOException e) {
      throw protocol(env, "look up the current user", resp.statusCode(), "a malformed JSON body", null);
    }
  }

  // ---------------------------------------------------------------------------------------------- HTTP

  /**
   * Sends {@code request} and reads its reply, all within the request timeout (headers and body: a server that
   * trickles its body cannot hold the caller longer) and with a body of at most {@link #MAX_BODY_BYTES}.
   */
  private HttpResponse<String> send(HttpRequest request, Environment env, String what, boolean attachCause) {
    CompletableFuture<HttpResponse<String>> reply = http.get().sendAsync(request, info -> new CappedBody(MAX_BODY_BYTES));
    try {
      try {
        return reply.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
      } catch (TimeoutException e) {
        reply.cancel(true);
        throw new HttpTimeoutException("no complete reply within " + requestTimeout.toMillis() + " ms");
      }
    } catch (CappedBody.TooLarge e) {
      throw new OAuthException(ErrorCode.PROTOCOL_ERROR, "Could not " + what + " at " + env.name() + ": the "
          + "server's reply is larger than " + MAX_BODY_BYTES + " bytes, which no token reply is. Check the server "
          + "URL " + hostOf(request.uri()) + ".", null, 0, null, null);
    } catch (HttpTimeoutException e) {
      throw new OAuthException(ErrorCode.SERVER_ERROR,
          "Could not " + what + " at " + env.name() + ": the server did not answer within "
              + requestTimeout.toMillis() + " ms. Retry later, or raise the request timeout.",
          null, 0, null, attachCause ? e : null);
    } catch (IOException e) {
      throw new OAuthException(ErrorCode.SERVER_ERROR,
          "Could not " + what + " at " + env.name() + ": the connection failed ("
              + e.getClass().getSimpleName() + "). Check the network and the server URL " + hostOf(request.uri())
              + ", then retry.",
          null, 0, null, attachCause ? e : null);
    } catch (InterruptedException e) {
      reply.cancel(true);
      Thread.currentThread().interrupt();
      throw new OAuthException(ErrorCode.INTERRUPTED,
          "Interrupted while waiting to " + what + " at " + env.name() + "; nothing was saved.", null, 0, null, null);
    }
  }

  private static String hostOf(URI u) {
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  private static void addClientAuth(
      Environment env, HttpRequest.Builder rb, Map<String, String> form, String clientId,
      @Nullable String clientSecret) {
    if (env.clientAuthentication() == Environment.ClientAuthentication.BASIC) {
      rb.header("Authorization", "Basic " + basicCredentials(clientId, clientSecret));
    } else {
      form.put("client_id", clientId);
      if (clientSecret != null) {
        form.put("client_secret", clientSecret);
      }
    }
  }

  /** The Base64 credentials of HTTP Basic client authentication (RFC 6749 2.3.1). */
  private static String basicCredentials(String clientId, @Nullable String clientSecret) {
    String user = enc(clientId) + ":" + (clientSecret == null ? "" : enc(clientSecret));
    return Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
  }

  private static String encode(Map<String, String> form) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : form.entrySet()) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(enc(e.getKey())).append('=').append(enc(e.getValue()));
    }
    return sb.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
