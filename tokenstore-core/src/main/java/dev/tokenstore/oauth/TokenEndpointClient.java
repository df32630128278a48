package dev.tokenstore.oauth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import dev.tokenstore.spi.Decimals;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The wire format of the token endpoint, the revoke endpoint and Zoho's current-user lookup: builds the
 * form-encoded requests, reads Zoho's and RFC 6749's replies, and turns every failure into an
 * {@link OAuthException} whose code says whether it is transient ({@link ErrorCode#SERVER_ERROR}, the only
 * code worth retrying), throttling, a rejection or a protocol violation. One attempt per call: retrying is
 * the token manager's concern.
 *
 * <p>A successful reply becomes a {@link TokenReply} only when it is a valid token ({@link #tokenReply}): an
 * access token (and a refresh token, when present) of printable ASCII without surrounding white space (RFC 6749's
 * {@code 1*VSCHAR}), an {@code expires_in} that is a number of seconds from 0 to {@link #MAX_LIFETIME}, and an
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

  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final int MAX_BODY_CHARS = 1 << 20;

  private final HttpClient http;
  private final Duration requestTimeout;

  TokenEndpointClient(HttpClient http, Duration requestTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
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

  private HttpResponse<String> send(HttpRequest request, Environment env, String what, boolean attachCause) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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

  // ------------------------------------------------------------------------------------------ replies

  private void failIfError(
      Environment env, String what, int status, @Nullable Map<String, String> m, HttpResponse<String> resp,
      List<String> secrets) {
    String error = m == null ? null : m.get("error");
    if (status == 429 || (error != null && isThrottle(error))) {
      throw throttled(env, what, status, resp, m, secrets);
    }
    if (status >= 500 || status == 408) {
      throw serverError(env, what, status, error == null ? null : clean(error, secrets));
    }
    if (error != null) {
      if (isReauthorization(error)) {
        throw new OAuthException(ErrorCode.REAUTHORIZATION_REQUIRED,
            "Could not " + what + " at " + env.name() + ": the server answered '" + clean(error, secrets)
                + "' (HTTP " + status + "): the grant or refresh token is used, expired or revoked. "
                + "The user must authorize the application again.",
            clean(error, secrets), status, null, null);
      }
      throw rejection(env, what, status, error, secrets);
    }
    if (status / 100 != 2) {
      throw protocol(env, what, status, m == null ? "a body that is not a JSON object" : "no error value", null);
    }
  }

  private static boolean isThrottle(String error) {
    return error.equalsIgnoreCase("Access Denied") || error.equalsIgnoreCase("slow_down")
        || error.equalsIgnoreCase("too_many_requests");
  }

  private static boolean isReauthorization(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.equals("invalid_code") || e.equals("invalid_grant") || e.equals("invalid_token");
  }

  private static boolean isClientError(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.equals("invalid_client") || e.equals("invalid_client_secret") || e.equals("unauthorized_client")
        || e.equals("invalid_redirect_uri");
  }

  private OAuthException rejection(Environment env, String what, int status, String error, List<String> secrets) {
    String e = clean(error, secrets);
    if (isClientError(error)) {
      return new OAuthException(ErrorCode.INVALID_CLIENT,
          "Could not " + what + " at " + env.name() + ": the server rejected the client ('" + e + "', HTTP "
              + status + "). Check the client id, client secret and redirect URL registered for this "
              + "environment (and its data centre).",
          e, status, null, null);
    }
    return new OAuthException(ErrorCode.PROTOCOL_ERROR,
        "Could not " + what + " at " + env.name() + ": the server refused the request with '" + e + "' (HTTP "
            + status + "). Check the environment and the token's client settings.",
        e, status, null, null);
  }

  private OAuthException throttled(
      Environment env, String what, int status, HttpResponse<String> resp, @Nullable Map<String, String> m,
      List<String> secrets) {
    Duration wait = resp.headers().firstValue("Retry-After").map(TokenEndpointClient::seconds)
        .orElse(DEFAULT_THROTTLE_WAIT);
    String error = m == null || m.get("error") == null ? "HTTP " + status : clean(m.get("error"), secrets);
    String desc = m == null || m.get("error_description") == null ? ""
        : " (" + clean(m.get("error_description"), secrets) + ")";
    return new OAuthException(ErrorCode.THROTTLED,
        "Could not " + what + " at " + env.name() + ": the server throttles this client: '" + error + "'" + desc
            + ". Wait at least " + wait.toSeconds() + " s before the next call for this client.",
        error, status, wait, null);
  }

  private static Duration seconds(String header) {
    try {
      long s = Long.parseLong(header.trim());
      return Duration.ofSeconds(Math.max(0, Math.min(s, 86_400)));
    } catch (NumberFormatException e) {
      return DEFAULT_THROTTLE_WAIT;
    }
  }

  private static OAuthException serverError(Environment env, String what, int status, @Nullable String error) {
    return new OAuthException(ErrorCode.SERVER_ERROR,
        "Could not " + what + " at " + env.name() + ": the server failed with HTTP " + status
            + (error == null ? "" : " ('" + error + "')") + ". Retry later.",
        error, status, null, null);
  }

  private static OAuthException protocol(
      Environment env, String what, int status, String got, @Nullable Throwable cause) {
    return new OAuthException(ErrorCode.PROTOCOL_ERROR,
        "Could not " + what + " at " + env.name() + ": the server sent " + got + " with HTTP " + status
            + ", which is not a token endpoint reply. Check that the environment's URLs point at an OAuth 2.0 "
            + "server; nothing was saved.",
        null, status, null, cause);
  }

  /**
   * The one place where a successful reply becomes a {@link TokenReply}: checks every value the token is made
   * of (see the class comment) and fails with {@link ErrorCode#PROTOCOL_ERROR} naming what is wrong, never
   * quoting a token.
   */
  private static TokenReply tokenReply(
      Map<String, String> m, Environment env, String what, int status, List<String> sentSecrets) {
    String access = Objects.requireNonNull(m.get("access_token"), "access_token");
    String accessProblem = tokenValueProblem(access);
    if (accessProblem != null) {
      throw invalidReply(env, what, status, "an access_token that is " + accessProblem);
    }
    String refresh = m.get("refresh_token");
    String refreshProblem = refresh == null ? null : tokenValueProblem(refresh);
    if (refreshProblem != null) {
      throw invalidReply(env, what, status, "a refresh_token that is " + refreshProblem);
    }
    List<String> secrets = new ArrayList<>(sentSecrets);
    secrets.add(access);
    if (refresh != null) {
      secrets.add(refresh);
    }
    Duration lifetime = expiresIn(m, env, what, status, secrets);
    String apiDomain = m.get("api_domain");
    if (apiDomain != null && !isHttpUrl(apiDomain)) {
      throw invalidReply(env, what, status,
          "an api_domain that is not an http(s) URL ('" + clean(apiDomain, secrets) + "')");
    }
    return new TokenReply(access, refresh, lifetime, apiDomain);
  }

  /**
   * Why {@code value} cannot be an access or refresh token, or null if it can: RFC 6749 (appendix A) allows
   * {@code 1*VSCHAR}, printable ASCII; white space around a token is never part of it.
   */
  private static @Nullable String tokenValueProblem(String value) {
    if (value.isEmpty()) {
      return "empty";
    }
    if (value.isBlank()) {
      return "blank";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return "not printable ASCII (a character at position " + i + " is not allowed in a token)";
      }
    }
    if (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
      return "padded with spaces";
    }
    return null;
  }

  private static boolean isHttpUrl(String value) {
    try {
      URI u = new URI(value);
      String scheme = u.getScheme();
      String host = u.getHost();
      return scheme != null && (scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          && host != null && !host.isEmpty() && u.getRawUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /**
   * The access token's lifetime: {@code expires_in_sec} (Zoho's legacy replies, whose {@code expires_in} is in
   * milliseconds) or {@code expires_in}, a JSON number (or a string holding one) of seconds from 0 to
   * {@link #MAX_LIFETIME}; fractions of a millisecond are dropped. {@link #DEFAULT_LIFETIME} when both are absent.
   */
  private static Duration expiresIn(
      Map<String, String> m, Environment env, String what, int status, List<String> secrets) {
    String sec = m.get("expires_in_sec");
    String field = sec != null ? "expires_in_sec" : "expires_in";
    String raw = sec != null ? sec : m.get("expires_in");
    if (raw == null) {
      return DEFAULT_LIFETIME;
    }
    BigDecimal seconds;
    try {
      seconds = new BigDecimal(raw.strip());
    } catch (NumberFormatException e) {
      throw invalidReply(env, what, status,
          "an " + field + " that is not a number of seconds ('" + clean(raw, secrets) + "')");
    }
    if (seconds.signum() < 0) {
      throw invalidReply(env, what, status, "a negative " + field + " (" + clean(raw, secrets) + ")");
    }
    if (seconds.compareTo(BigDecimal.valueOf(MAX_LIFETIME.toSeconds())) > 0) {
      throw invalidReply(env, what, status, "an " + field + " of more than " + MAX_LIFETIME.toDays()
          + " days (" + clean(raw, secrets) + "), longer than any access token lives");
    }
    // Decimals, not setScale: an expires_in of 1e-99999999 would take minutes to round.
    return Duration.ofMillis(Decimals.truncatedLong(seconds.movePointRight(3)).orElseThrow());
  }

  private static OAuthException invalidReply(Environment env, String what, int status, String problem) {
    return new OAuthException(ErrorCode.PROTOCOL_ERROR,
        "Could not " + what + " at " + env.name() + ": the server's token reply (HTTP " + status + ") has "
            + problem + ". The reply was not used: nothing was saved and the stored token is unchanged. Check "
            + "the server, and that the environment's URLs point at the right one.",
        null, status, null, null);
  }

  /**
   * A server text for a message: secrets removed in every form an echo of the request may show them
   * ({@link Secrets#scrub}), printable ASCII only, at most 100 characters; {@code <withheld>} when a secret sent is
   * too short to search for.
   */
  static String clean(String text, List<String> secrets) {
    String t = Secrets.scrub(text, secrets).orElse("<withheld>");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.length() && sb.length() < 100; i++) {
      char c = t.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }

  /**
   * The top-level scalar members of a JSON object as strings (numbers in their JSON text), or null if
   * {@code body} is not a JSON object. Nested values are skipped.
   */
  static @Nullable Map<String, String> parseFlat(@Nullable String body) {
    if (body == null || body.isBlank() || body.length() > MAX_BODY_CHARS) {
      return null;
    }
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, String> out = new HashMap<>();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          p.skipChildren();
        } else if (v != JsonToken.VALUE_NULL) {
          out.put(name, p.getText());
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code users[0].email} of a Zoho users reply. */
  static @Nullable String firstUserEmail(String body) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("users") && v == JsonToken.START_ARRAY) {
          if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken fv = p.nextToken();
            if (field.equals("email") && fv == JsonToken.VALUE_STRING) {
              return p.getText();
            }
            p.skipChildren();
          }
          return null;
        }
        p.skipChildren();
      }
      return null;
    }
  }
}
