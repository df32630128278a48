package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One authorization-code request (RFC 6749 section 4.1) with a fresh {@code state} and a PKCE verifier
 * (RFC 7636, S256): the URL to send the user to, and the check of the redirect that comes back. Zoho
 * environments also get {@code access_type=offline} and {@code prompt=consent}, without which Zoho issues no
 * refresh token. Exchange the code with {@link TokenManager#exchange(dev.tokenstore.OAuthToken, String)},
 * passing {@link #codeVerifier()}.
 *
 * <pre>{@code
 * AuthorizationRequest request = AuthorizationRequest.create(env, clientId, "http://127.0.0.1:8765/cb", "ZohoCRM.modules.ALL");
 * // send the user to request.uri(); receive the redirect's query string
 * AuthorizationRequest.Callback cb = request.callback(query);   // checks state, reads code and accounts-server
 * OAuthToken token = manager.withEnvironment(cb.environment(env))
 *     .exchange(OAuthToken.builder().clientId(clientId).clientSecret(secret).grantToken(cb.code())
 *         .redirectUrl(request.redirectUri()).build(), request.codeVerifier());
 * }</pre>
 *
 * <p>Immutable and thread-safe; the state and verifier are secrets of this one request (not shown by
 * {@link #toString()}).
 */
public final class AuthorizationRequest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final URI uri;
  private final String redirectUri;
  private final String state;
  private final String codeVerifier;

  private AuthorizationRequest(URI uri, String redirectUri, String state, String codeVerifier) {
    this.uri = uri;
    this.redirectUri = redirectUri;
    this.state = state;
    this.codeVerifier = codeVerifier;
  }

  /**
   * A request for {@code clientId} at {@code environment}'s authorization URL.
   *
   * @param scope the scopes, space or comma separated as the server expects; null for none
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when the environment has no authorization URL
   */
  public static AuthorizationRequest create(
      Environment environment, String clientId, String redirectUri, @Nullable String scope) {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(redirectUri, "redirectUri");
    URI base = environment.authorizationUrl().orElseThrow(() -> new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
        "The environment " + environment.name() + " has no authorization URL; build it with one."));
    String state = random();
    String verifier = random();
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", clientId);
    q.put("redirect_uri", redirectUri);
    if (scope != null && !scope.isBlank()) {
      q.put("scope", scope);
    }
    q.put("state", state);
    if (environment.protocol() == Environment.Protocol.ZOHO) {
      q.put("access_type", "offline");
      q.put("prompt", "consent");
    }
    q.put("code_challenge", challenge(verifier));
    q.put("code_challenge_method", "S256");
    String text = base.toString();
    StringBuilder sb = new StringBuilder(text).append(text.contains("?") ? '&' : '?');
    q.forEach((k, v) -> sb.append(encode(k)).append('=').append(encode(v)).append('&'));
    sb.setLength(sb.length() - 1);
    return new AuthorizationRequest(URI.create(sb.toString()), redirectUri, state, verifier);
  }

  /** Where to send the user's browser. */
  public URI uri() {
    return uri;
  }

  /** The redirect URI this request names; the exchange must send the same one. */
  public String redirectUri() {
    return redirectUri;
  }

  /** The PKCE code verifier to send with the code. */
  public String codeVerifier() {
    return codeVerifier;
  }

  /**
   * Whether the redirect query {@code query} carries this request's {@code state} (compared in constant time):
   * a listener can ignore stray requests with it and wait for the real redirect.
   */
  public boolean isFor(String query) {
    String got = parse(query).get("state");
    return got != null && MessageDigest.isEqual(got.getBytes(StandardCharsets.UTF_8),
        state.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the redirect's query string: checks {@code state}, and returns the code and Zoho's
   * {@code location} and {@code accounts-server}.
   *
   * @throws OAuthException for an {@code error} in the redirect (e.g. {@code access_denied})
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when state is missing or wrong (a forged or
   *     stale redirect) or there is no code
   */
  public Callback callback(String query) {
    Map<String, String> p = parse(query);
    if (!isFor(query)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "The redirect's state does not match this authorization request: it is forged or from another attempt. "
              + "Start the authorization again.");
    }
    String error = p.get("error");
    if (error != null) {
      String shown = dev.tokenstore.Secrets.shorten(error);
      throw new OAuthException(ErrorCode.REAUTHORIZATION_REQUIRED, "The authorization server refused: " + shown
          + ". Authorize again, and grant the requested access.", shown, 0, null, null);
    }
    String code = p.get("code");
    if (code == null || code.isEmpty()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The redirect has no code. Authorize again.");
    }
    return new Callback(code, p.get("location"), p.get("accounts-server"));
  }

  @Override
  public String toString() {
    return "AuthorizationRequest{redirectUri=" + redirectUri + "}";
  }

  /**
   * What the redirect brought.
   *
   * @param code the authorization code (a secret)
   * @param location Zoho's data centre name, e.g. {@code us}, or null
   * @param accountsServer Zoho's accounts server that issued the code, or null
   */
  public record Callback(String code, @Nullable String location, @Nullable String accountsServer) {
    /**
     * The environment to exchange the code at: {@code home} itself, or the accounts server the redirect names
     * (checked by {@link Environment#forAccountsServer(String)}).
     */
    public Environment environment(Environment home) {
      return accountsServer == null || accountsServer.isEmpty() ? home : home.forAccountsServer(accountsServer);
    }

    @Override
    public String toString() {
      return "Callback[location=" + location + ", accountsServer=" + accountsServer + "]";
    }
  }

  private static Map<String, String> parse(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = query.startsWith("?") ? query.substring(1) : query;
    for (String pair : q.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.putIfAbsent(k, v);
      } catch (IllegalArgumentException malformed) {
        // a parameter with a broken escape is left out
      }
    }
    return out;
  }

  private static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String challenge(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
