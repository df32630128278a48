package dev.tokenstore.cli;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.internal.TokenEndpointClient;
import dev.tokenstore.internal.TokenEndpointClient.TokenReply;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.OAuthException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Gets tokens from the authorization server and stores them: the authorization URL (state, PKCE S256,
 * {@code access_type=offline}), the code exchange, a refresh token import, and the user name (given, or Zoho's
 * current user). Thread-safe.
 */
final class Authorizer {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;
  private final TokenEndpointClient client;

  Authorizer(Clock clock) {
    this.clock = clock;
    HttpClient http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    this.client = new TokenEndpointClient(http, Duration.ofSeconds(30));
  }

  static String randomToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** RFC 7636 S256: BASE64URL(SHA-256(ASCII(verifier))). */
  static String challenge(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  static String authorizationUrl(
      Environment env, String clientId, String redirectUri, @Nullable String scope, String state, String challenge) {
    String base = env.authorizationUrl().map(Object::toString).orElseThrow(() -> new CliException(ExitCodes.USAGE,
        "The environment " + env.name() + " has no authorization URL: pass --auth-url URL."));
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", clientId);
    q.put("redirect_uri", redirectUri);
    if (scope != null && !scope.isBlank()) {
      q.put("scope", scope);
    }
    q.put("state", state);
    if (env.protocol() == Environment.Protocol.ZOHO) {
      q.put("access_type", "offline"); // Zoho issues a refresh token only with these two
      q.put("prompt", "consent");
    }
    q.put("code_challenge", challenge);
    q.put("code_challenge_method", "S256");
    StringBuilder sb = new StringBuilder(base).append(base.contains("?") ? '&' : '?');
    boolean first = true;
    for (Map.Entry<String, String> e : q.entrySet()) {
      if (!first) {
        sb.append('&');
      }
      first = false;
      sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }

  /** Exchanges {@code code} at {@code env} and stores the tokens; returns the stored record. */
  OAuthToken exchange(
      TokenStore store, Environment env, String clientId, @Nullable String clientSecret,
      @Nullable String redirectUri, String code, @Nullable String codeVerifier, @Nullable String user,
      Consumer<String> warn) {
    Instant started = clock.instant();
    TokenReply r = client.exchange(env, clientId, clientSecret, redirectUri, code, codeVerifier);
    if (r.refreshToken() == null) {
      warn.accept("The server sent no refresh token: the access token works until it expires, then you must "
          + "authorize again (Zoho sends one only with access_type=offline, and only at the first consent).");
    }
    return save(store, env, clientId, clientSecret, redirectUri, r, r.refreshToken(), started, user, warn);
  }

  /** Refreshes with a refresh token the user already has (which checks it) and stores the result. */
  OAuthToken importRefreshToken(
      TokenStore store, Environment env, String clientId, @Nullable String clientSecret, String refreshToken,
      @Nullable String user, Consumer<String> warn) {
    Instant started = clock.instant();
    TokenReply r = client.refresh(env, clientId, clientSecret, refreshToken);
    String keep = r.refreshToken() != null ? r.refreshToken() : refreshToken;
    return save(store, env, clientId, clientSecret, null, r, keep, started, user, warn);
  }

  private OAuthToken save(
      TokenStore store, Environment env, String clientId, @Nullable String clientSecret,
      @Nullable String redirectUri, TokenReply r, @Nullable String refreshToken, Instant started,
      @Nullable String user, Consumer<String> warn) {
    String apiDomain = r.apiDomain() != null ? r.apiDomain() : env.apiDomain();
    String name = user;
    if (name == null && env.protocol() == Environment.Protocol.ZOHO) {
      try {
        name = client.currentUserEmail(env, apiDomain, r.accessToken());
      } catch (OAuthException e) {
        warn.accept("Could not look up the user's e-mail (" + e.getMessage() + "); the token is stored without a "
            + "user name. Pass --user NAME to name it.");
      }
    }
    OAuthToken token = OAuthToken.builder()
        .userName(name)
        .clientId(clientId)
        .clientSecret(clientSecret)
        .accessToken(r.accessToken())
        .refreshToken(refreshToken)
        .expiresAt(started.plus(r.expiresIn()))
        .apiDomain(apiDomain)
        .redirectUrl(redirectUri)
        .build();
    return store.saveToken(token);
  }
}
