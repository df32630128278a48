package dev.tokenstore.oauth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import dev.tokenstore.oauth.TokenEndpointClient.TokenReply;
import dev.tokenstore.spi.Decimals;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reading the replies of the token, revoke and current-user endpoints: error replies classified into
 * {@link OAuthException}s (throttling, re-authorization, client errors, server errors, protocol violations),
 * successful replies checked to be valid tokens ({@link #tokenReply}), server texts reduced to a short value with
 * every secret sent removed ({@link #clean}), and the flat JSON reader. Static helpers of
 * {@link TokenEndpointClient}; stateless and thread-safe.
 */
final class TokenReplies {
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final int MAX_BODY_CHARS = 1 << 20;

  private TokenReplies() {}


  static void failIfError(
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

  static boolean isThrottle(String error) {
    return error.equalsIgnoreCase("Access Denied") || error.equalsIgnoreCase("slow_down")
        || error.equalsIgnoreCase("too_many_requests");
  }

  static boolean isReauthorization(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.equals("invalid_code") || e.equals("invalid_grant") || e.equals("invalid_token");
  }

  static boolean isClientError(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.equals("invalid_client") || e.equals("invalid_client_secret") || e.equals("unauthorized_client")
        || e.equals("invalid_redirect_uri");
  }

  static OAuthException rejection(Environment env, String what, int status, String error, List<String> secrets) {
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

  static OAuthException throttled(
      Environment env, String what, int status, HttpResponse<String> resp, @Nullable Map<String, String> m,
      List<String> secrets) {
    Duration wait = resp.headers().firstValue("Retry-After").map(TokenReplies::seconds)
        .orElse(TokenEndpointClient.DEFAULT_THROTTLE_WAIT);
    String error = m == null || m.get("error") == null ? "HTTP " + status : clean(m.get("error"), secrets);
    String desc = m == null || m.get("error_description") == null ? ""
        : " (" + clean(m.get("error_description"), secrets) + ")";
    return new OAuthException(ErrorCode.THROTTLED,
        "Could not " + what + " at " + env.name() + ": the server throttles this client: '" + error + "'" + desc
            + ". Wait at least " + wait.toSeconds() + " s before the next call for this client.",
        error, status, wait, null);
  }

  static Duration seconds(String header) {
    try {
      long s = Long.parseLong(header.trim());
      return Duration.ofSeconds(Math.max(0, Math.min(s, 86_400)));
    } catch (NumberFormatException e) {
      return TokenEndpointClient.DEFAULT_THROTTLE_WAIT;
    }
  }

  static OAuthException serverError(Environment env, String what, int status, @Nullable String error) {
    return new OAuthException(ErrorCode.SERVER_ERROR,
        "Could not " + what + " at " + env.name() + ": the server failed with HTTP " + status
            + (error == null ? "" : " ('" + error + "')") + ". Retry later.",
        error, status, null, null);
  }

  static OAuthException protocol(
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
  static TokenReply tokenReply(
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
  static @Nullable String tokenValueProblem(String value) {
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

  static boolean isHttpUrl(String value) {
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
   * milliseconds) or {@code expires_in}, a JSON number (or a string holding one) of seconds from 1 to
   * {@link #TokenEndpointClient.MAX_LIFETIME}; fractions of a millisecond are dropped. {@link #TokenEndpointClient.DEFAULT_LIFETIME} when both are absent.
   */
  static Duration expiresIn(
      Map<String, String> m, Environment env, String what, int status, List<String> secrets) {
    String sec = m.get("expires_in_sec");
    String field = sec != null ? "expires_in_sec" : "expires_in";
    String raw = sec != null ? sec : m.get("expires_in");
    if (raw == null) {
      return TokenEndpointClient.DEFAULT_LIFETIME;
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
    if (seconds.compareTo(BigDecimal.ONE) < 0) { // a token that expires as it is issued cannot be used
      throw invalidReply(env, what, status, "an " + field + " of less than one second (" + clean(raw, secrets)
          + "): the token would expire as it is issued");
    }
    if (seconds.compareTo(BigDecimal.valueOf(TokenEndpointClient.MAX_LIFETIME.toSeconds())) > 0) {
      throw invalidReply(env, what, status, "an " + field + " of more than " + TokenEndpointClient.MAX_LIFETIME.toDays()
          + " days (" + clean(raw, secrets) + "), longer than any access token lives");
    }
    // Decimals, not setScale: an expires_in of 1e-99999999 would take minutes to round.
    return Duration.ofMillis(Decimals.truncatedLong(seconds.movePointRight(3)).orElseThrow());
  }

  static OAuthException invalidReply(Environment env, String what, int status, String problem) {
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
