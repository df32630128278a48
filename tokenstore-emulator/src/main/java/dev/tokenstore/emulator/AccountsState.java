package dev.tokenstore.emulator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The emulated accounts server's state and protocol rules, free of HTTP. Thread-safe: every public-facing method
 * is {@code synchronized} on this object (the emulator is a test tool; one lock keeps the rules obviously right).
 */
final class AccountsState {
  static final String THROTTLE_DESCRIPTION =
      "You have made too many requests continuously. Please try again after some time.";

  /** A registered client; an empty redirect set accepts any redirect URI. */
  record Client(String id, String secret, Set<String> redirectUris) {}

  /** Immutable settings made by the builder. */
  record Settings(
      String defaultUser,
      Duration accessTokenTtl,
      Duration grantCodeTtl,
      int maxAccessTokensPerWindow,
      Duration refreshWindow,
      int maxRefreshTokensPerUser,
      boolean rotateRefreshTokens,
      boolean legacyExpiresInMillis,
      boolean errorsWithHttp200,
      Map<String, Client> clients,
      Clock clock) {}

  /** What an endpoint answers: JSON with a status, a redirect, or an HTML error page. */
  record Reply(int status, @Nullable Map<String, Object> json, @Nullable String location, @Nullable String html) {
    static Reply json(int status, Map<String, Object> json) {
      return new Reply(status, json, null, null);
    }

    static Reply redirect(String location) {
      return new Reply(302, null, location, null);
    }

    static Reply page(int status, String text) {
      return new Reply(status, null, null, text);
    }

    /** A short outcome for debug logs: never contains a token. */
    String outcome() {
      if (location != null) {
        return "302";
      }
      Object error = json == null ? null : json.get("error");
      return status + (error == null ? "" : " " + error);
    }
  }

  record User(String email, String id, String fullName) {}

  private record Code(
      String clientId,
      String redirectUri,
      String scope,
      User user,
      boolean offline,
      @Nullable String challenge,
      String challengeMethod,
      Instant expiresAt) {}

  /** One consent with offline access: a refresh token (rotated in RFC mode) and the access tokens made from it. */
  private static final class Grant {
    final String clientId;
    final User user;
    final String scope;
    String refreshToken;
    final ArrayDeque<Instant> issued = new ArrayDeque<>();
    final Set<String> accessTokens = new HashSet<>();

    Grant(String clientId, User user, String scope, String refreshToken) {
      this.clientId = clientId;
      this.user = user;
      this.scope = scope;
      this.refreshToken = refreshToken;
    }
  }

  private record Access(@Nullable Grant grant, User user, Instant expiresAt) {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int PRUNE_THRESHOLD = 10_000;

  private final Settings settings;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, User> users = new HashMap<>();
  private final Map<String, Code> codes = new HashMap<>();
  private final Map<String, Grant> grantsByRefreshToken = new HashMap<>();
  private final Map<String, ArrayDeque<Grant>> grantsByUser = new HashMap<>();
  private final Map<String, Access> accessTokens = new HashMap<>();
  private String baseUrl = "";

  AccountsState(Settings settings) {
    this.settings = settings;
  }

  synchronized void baseUrl(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  // ---------------------------------------------------------------------------------------- authorization

  synchronized Reply authorize(Map<String, String> p) {
    String clientId = blankToNull(p.get("client_id"));
    String redirectUri = blankToNull(p.get("redirect_uri"));
    if (clientId == null) {
      return Reply.page(400, "Invalid request: the client_id parameter is missing.");
    }
    if (redirectUri == null) {
      return Reply.page(400, "Invalid request: the redirect_uri parameter is missing.");
    }
    if (!settings.clients().isEmpty()) {
      Client client = settings.clients().get(clientId);
      if (client == null) {
        return Reply.page(400, "Invalid client: no client is registered with this client_id.");
      }
      if (!client.redirectUris().isEmpty() && !client.redirectUris().contains(redirectUri)) {
        return Reply.page(400, "Invalid redirect URI: the redirect_uri is not registered for this client.");
      }
    }
    String state = p.get("state");
    if (!"code".equals(p.get("response_type"))) {
      return Reply.redirect(errorRedirect(redirectUri, "unsupported_response_type", state));
    }
    String challenge = blankToNull(p.get("code_challenge"));
    String method = p.getOrDefault("code_challenge_method", "plain");
    if (challenge != null && !method.equals("S256") && !method.equals("plain")) {
      return Reply.redirect(errorRedirect(redirectUri, "invalid_request", state));
    }
    String hint = blankToNull(p.get("login_hint"));
    User user = user(hint == null ? settings.defaultUser() : hint);
    boolean offline = "offline".equals(p.get("access_type"));
    String code =
        newCode(clientId, redirectUri, p.getOrDefault("scope", ""), user, offline, challenge, method);
    StringBuilder location = new StringBuilder(redirectUri);
    location.append(redirectUri.indexOf('?') >= 0 ? '&' : '?');
    if (state != null) {
      location.append("state=").append(enc(state)).append('&');
    }
    location.append("code=").append(enc(code));
    location.append("&location=us&accounts-server=").append(enc(baseUrl));
    return Reply.redirect(location.toString());
  }

  synchronized String issueGrantCode(
      String clientId, String redirectUri, String scope, String userEmail, boolean offline) {
    return newCode(clientId, redirectUri, scope, user(userEmail), offline, null, "plain");
  }

  private String newCode(
      String clientId,
      String redirectUri,
      String scope,
      User user,
      boolean offline,
      @Nullable String challenge,
      String method) {
    String code = newToken();
    Instant expiresAt = settings.clock().instant().plus(settings.grantCodeTtl());
    codes.put(code, new Code(clientId, redirectUri, scope, user, offline, challenge, method, expiresAt));
    return code;
  }

  // ---------------------------------------------------------------------------------------- token

  synchronized Reply token(Map<String, String> p) {
    String grantType = blankToNull(p.get("grant_type"));
    if (grantType == null) {
      return error("invalid_request", "invalid_request", "the grant_type parameter is missing");
    }
    String clientId = blankToNull(p.get("client_id"));
    if (clientId == null) {
      return error("invalid_client", "invalid_client", "the client_id parameter is missing");
    }
    if (!settings.clients().isEmpty()) {
      Client client = settings.clients().get(clientId);
      if (client == null) {
        return error("invalid_client", "invalid_client", "no client is registered with this client_id");
      }
      if (!client.secret().equals(p.get("client_secret"))) {
        return error("invalid_client_secret", "invalid_client", "the client secret is wrong or missing");
      }
    }
    switch (grantType) {
      case "authorization_code":
        return exchange(clientId, p);
      case "refresh_token":
        return refresh(clientId, p);
      default:
        return error(
            "unsupported_grant_type", "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
    }
  }

  private Reply exchange(String clientId, Map<String, String> p) {
    String codeValue = blankToNull(p.get("code"));
    if (codeValue == null) {
      return error("invalid_request", "invalid_request", "the code parameter is missing");
    }
    // Single use: the first attempt by the right client consumes the code, whatever happens next.
    Code code = codes.remove(codeValue);
    Instant now = settings.clock().instant();
    if (code == null) {
      return error("invalid_code", "invalid_grant", "the code is unknown or was already used");
    }
    if (!now.isBefore(code.expiresAt())) {
      return error("invalid_code", "invalid_grant", "the code has expired");
    }
    if (!code.clientId().equals(clientId)) {
      return error("invalid_code", "invalid_grant", "the code was issued to another client");
    }
    if (!code.redirectUri().equals(p.get("redirect_uri"))) {
      return error("invalid_redirect_uri", "invalid_grant", "redirect_uri differs from the authorization request");
    }
    if (code.challenge() != null) {
      String verifier = p.get("code_verifier");
      if (verifier == null || !code.challenge().equals(challengeOf(verifier, code.challengeMethod()))) {
        return error("invalid_code", "invalid_grant", "the PKCE code_verifier is missing or does not match");
      }
    }
    Grant grant = null;
    if (code.offline()) {
      grant = new Grant(clientId, code.user(), code.scope(), newToken());
      grantsByRefreshToken.put(grant.refreshToken, grant);
      ArrayDeque<Grant> ofUser = grantsByUser.computeIfAbsent(code.user().email(), k -> new ArrayDeque<>());
      ofUser.addLast(grant);
      while (ofUser.size() > settings.maxRefreshTokensPerUser()) {
        kill(ofUser.removeFirst());
      }
    }
    String access = newAccessToken(grant, code.user(), now);
    return success(access, grant == null ? null : grant.refreshToken, code.scope());
  }

  private Reply refresh(String clientId, Map<String, String> p) {
    String refreshToken = blankToNull(p.get("refresh_token"));
    if (refreshToken == null) {
      return error("invalid_request", "invalid_request", "the refresh_token parameter is missing");
    }
    Grant grant = grantsByRefreshToken.get(refreshToken);
    if (grant == null) {
      return error("invalid_code", "invalid_grant", "the refresh token is unknown, revoked or rotated");
    }
    if (!grant.clientId.equals(clientId)) {
      return error("invalid_code", "invalid_grant", "the refresh token was issued to another client");
    }
    Instant now = settings.clock().instant();
    Instant windowStart = now.minus(settings.refreshWindow());
    while (!grant.issued.isEmpty() && !grant.issued.peekFirst().isAfter(windowStart)) {
      grant.issued.removeFirst();
    }
    if (grant.issued.size() >= settings.maxAccessTokensPerWindow()) {
      return throttled();
    }
    grant.issued.addLast(now);
    String newRefresh = null;
    if (settings.rotateRefreshTokens()) {
      grantsByRefreshToken.remove(grant.refreshToken);
      grant.refreshToken = newToken();
      grantsByRefreshToken.put(grant.refreshToken, grant);
      newRefresh = grant.refreshToken;
    }
    String access = newAccessToken(grant, grant.user, now);
    return success(access, newRefresh, grant.scope);
  }

  private String newAccessToken(@Nullable Grant grant, User user, Instant now) {
    if (accessTokens.size() >= PRUNE_THRESHOLD) {
      pruneExpired(now);
    }
    String token = newToken();
    accessTokens.put(token, new Access(grant, user, now.plus(settings.accessTokenTtl())));
    if (grant != null) {
      grant.accessTokens.add(token);
    }
    return token;
  }

  private void pruneExpired(Instant now) {
    accessTokens.entrySet().removeIf(e -> {
      if (now.isBefore(e.getValue().expiresAt())) {
        return false;
      }
      Grant g = e.getValue().grant();
      if (g != null) {
        g.accessTokens.remove(e.getKey());
      }
      return true;
    });
  }

  private Reply success(String access, @Nullable String refresh, String scope) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("access_token", access);
    if (refresh != null) {
      json.put("refresh_token", refresh);
    }
    if (!scope.isEmpty()) {
      json.put("scope", scope);
    }
    json.put("api_domain", baseUrl);
    json.put("token_type", "Bearer");
    long seconds = settings.accessTokenTtl().toSeconds();
    if (settings.legacyExpiresInMillis()) {
      json.put("expires_in_sec", seconds);
      json.put("expires_in", settings.accessTokenTtl().toMillis());
    } else {
      json.put("expires_in", seconds);
    }
    return Reply.json(200, json);
  }

  private Reply error(String zohoName, String rfcName, String description) {
    Map<String, Object> json = new LinkedHashMap<>();
    if (settings.errorsWithHttp200()) {
      json.put("error", zohoName);
      return Reply.json(200, json);
    }
    json.put("error", rfcName);
    json.put("error_description", description);
    return Reply.json(400, json);
  }

  static Reply throttled() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("error", "Access Denied");
    json.put("error_description", THROTTLE_DESCRIPTION);
    json.put("status", "failure");
    return Reply.json(400, json);
  }

  // ---------------------------------------------------------------------------------------- revoke

  synchronized Reply revoke(@Nullable String token) {
    Map<String, Object> json = new LinkedHashMap<>();
    if (token == null || token.isBlank()) {
      json.put("error", "invalid_request");
      json.put("status", "failure");
      return Reply.json(400, json);
    }
    Grant grant = grantsByRefreshToken.get(token);
    Access access = grant == null ? accessTokens.remove(token) : null;
    if (grant != null) {
      ArrayDeque<Grant> ofUser = grantsByUser.get(grant.user.email());
      if (ofUser != null) {
        ofUser.remove(grant);
      }
      kill(grant);
    } else if (access != null) {
      Grant from = access.grant();
      if (from != null) {
        from.accessTokens.remove(token);
      }
    } else {
      json.put("error", "invalid_token");
      json.put("status", "failure");
      return Reply.json(400, json);
    }
    json.put("status", "success");
    return Reply.json(200, json);
  }

  /** Removes a grant's refresh token and every access token made from it. */
  private void kill(Grant grant) {
    grantsByRefreshToken.remove(grant.refreshToken);
    for (String access : grant.accessTokens) {
      accessTokens.remove(access);
    }
    grant.accessTokens.clear();
  }

  // ---------------------------------------------------------------------------------------- current user

  synchronized Reply currentUser(@Nullable String authorization, @Nullable String type) {
    String token = bearer(authorization);
    Access access = token == null ? null : accessTokens.get(token);
    if (access == null || !settings.clock().instant().isBefore(access.expiresAt())) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("code", "INVALID_TOKEN");
      json.put("details", Map.of());
      json.put("message", "invalid oauth token");
      json.put("status", "error");
      return Reply.json(401, json);
    }
    if (!"CurrentUser".equals(type)) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("code", "INVALID_DATA");
      json.put("details", Map.of("param_name", "type"));
      json.put("message", "the emulator serves only type=CurrentUser");
      json.put("status", "error");
      return Reply.json(400, json);
    }
    User u = access.user();
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("email", u.email());
    user.put("id", u.id());
    user.put("full_name", u.fullName());
    user.put("status", "active");
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("users", List.of(user));
    return Reply.json(200, json);
  }

  private static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null) {
      return null;
    }
    String h = authorization.trim();
    int space = h.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
    if (!scheme.equals("zoho-oauthtoken") && !scheme.equals("bearer")) {
      return null;
    }
    return blankToNull(h.substring(space + 1).trim());
  }

  // ---------------------------------------------------------------------------------------- inspection

  synchronized boolean isAccessTokenValid(String token) {
    Access a = accessTokens.get(token);
    return a != null && settings.clock().instant().isBefore(a.expiresAt());
  }

  synchronized boolean isRefreshTokenValid(String token) {
    return grantsByRefreshToken.containsKey(token);
  }

  synchronized int refreshTokenCount(String userEmail) {
    ArrayDeque<Grant> ofUser = grantsByUser.get(userEmail);
    return ofUser == null ? 0 : ofUser.size();
  }

  // ---------------------------------------------------------------------------------------- helpers

  private User user(String email) {
    return users.computeIfAbsent(
        email, e -> new User(e, String.format(Locale.ROOT, "41508680000002%05d", users.size() + 1), fullName(e)));
  }

  private static String fullName(String email) {
    int at = email.indexOf('@');
    String local = at > 0 ? email.substring(0, at) : email;
    StringBuilder out = new StringBuilder();
    for (String part : local.split("[._+-]+")) {
      if (part.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    }
    return out.length() == 0 ? email : out.toString();
  }

  /** A Zoho-looking token: {@code 1000.<32 hex>.<32 hex>}, 256 random bits. */
  private String newToken() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    char[] out = new char[64];
    for (int i = 0; i < 32; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    String hex = new String(out);
    return "1000." + hex.substring(0, 32) + "." + hex.substring(32);
  }

  static String challengeOf(String verifier, String method) {
    if (method.equals("plain")) {
      return verifier;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static String errorRedirect(String redirectUri, String error, @Nullable String state) {
    StringBuilder location = new StringBuilder(redirectUri);
    location.append(redirectUri.indexOf('?') >= 0 ? '&' : '?').append("error=").append(error);
    if (state != null) {
      location.append("&state=").append(enc(state));
    }
    return location.toString();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  static Set<String> copyOf(String... values) {
    return new LinkedHashSet<>(List.of(values));
  }
}
