package dev.tokenstore.emulator;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
      String tokenSuffix,
      Clock clock) {}

  record User(String email, String id, String fullName) {}

  /** A grant code; a self-client code has no redirect URI, and its exchange is not checked against one. */
  private record Code(
      String clientId,
      @Nullable String redirectUri,
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

  private static final int PRUNE_THRESHOLD = 10_000;

  private final Settings settings;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, User> users = new HashMap<>();
  private final Map<String, Code> codes = new HashMap<>();
  private final Map<String, Grant> grantsByRefreshToken = new HashMap<>();
  private final Map<String, ArrayDeque<Grant>> grantsByUser = new HashMap<>();
  private final Map<String, Access> accessTokens = new HashMap<>();
  private String baseUrl = "";
  private boolean rejectApiCalls;

  AccountsState(Settings settings) {
    this.settings = settings;
  }

  synchronized void baseUrl(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  // ---------------------------------------------------------------------------------------- authorization

  synchronized Reply authorize(Map<String, String> p) {
    String clientId = Protocol.blankToNull(p.get("client_id"));
    String redirectUri = Protocol.blankToNull(p.get("redirect_uri"));
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
      return Reply.redirect(Protocol.errorRedirect(redirectUri, "unsupported_response_type", state));
    }
    String challenge = Protocol.blankToNull(p.get("code_challenge"));
    String method = p.getOrDefault("code_challenge_method", "plain");
    if (challenge != null && !method.equals("S256") && !method.equals("plain")) {
      return Reply.redirect(Protocol.errorRedirect(redirectUri, "invalid_request", state));
    }
    String hint = Protocol.blankToNull(p.get("login_hint"));
    User user = user(hint == null ? settings.defaultUser() : hint);
    boolean offline = "offline".equals(p.get("access_type"));
    String code =
        newCode(clientId, redirectUri, p.getOrDefault("scope", ""), user, offline, challenge, method);
    StringBuilder location = new StringBuilder(redirectUri);
    location.append(redirectUri.indexOf('?') >= 0 ? '&' : '?');
    if (state != null) {
      location.append("state=").append(Protocol.enc(state)).append('&');
    }
    location.append("code=").append(Protocol.enc(code));
    location.append("&location=us&accounts-server=").append(Protocol.enc(baseUrl));
    return Reply.redirect(location.toString());
  }

  synchronized String issueGrantCode(
      String clientId, @Nullable String redirectUri, String scope, String userEmail, boolean offline) {
    return newCode(clientId, redirectUri, scope, user(userEmail), offline, null, "plain");
  }

  /** A refresh token and its first access token, as an exchange would give, without a code. */
  synchronized IssuedTokens issueTokens(String clientId, String scope, String userEmail) {
    Instant now = settings.clock().instant();
    Grant grant = newGrant(clientId, user(userEmail), scope);
    String access = newAccessToken(grant, grant.user, now);
    return new IssuedTokens(access, grant.refreshToken, now.plus(settings.accessTokenTtl()));
  }

  private String newCode(
      String clientId,
      @Nullable String redirectUri,
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
    String grantType = Protocol.blankToNull(p.get("grant_type"));
    if (grantType == null) {
      return error("invalid_request", "invalid_request", "the grant_type parameter is missing");
    }
    String clientId = Protocol.blankToNull(p.get("client_id"));
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
    String codeValue = Protocol.blankToNull(p.get("code"));
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
    if (code.redirectUri() != null && !code.redirectUri().equals(p.get("redirect_uri"))) {
      return error("invalid_redirect_uri", "invalid_grant", "redirect_uri differs from the authorization request");
    }
    if (code.challenge() != null) {
      String verifier = p.get("code_verifier");
      if (verifier == null
          || !code.challenge().equals(Protocol.challengeOf(verifier, code.challengeMethod()))) {
        return error("invalid_code", "invalid_grant", "the PKCE code_verifier is missing or does not match");
      }
    }
    Grant grant = null;
    if (code.offline()) {
      grant = newGrant(clientId, code.user(), code.scope());
    }
    String access = newAccessToken(grant, code.user(), now);
    return success(access, grant == null ? null : grant.refreshToken, code.scope());
  }

  /** A new refresh token for the user; the user's oldest ones beyond the limit are deleted. */
  private Grant newGrant(String clientId, User user, String scope) {
    Grant grant = new Grant(clientId, user, scope, newToken());
    grantsByRefreshToken.put(grant.refreshToken, grant);
    ArrayDeque<Grant> ofUser = grantsByUser.computeIfAbsent(user.email(), k -> new ArrayDeque<>());
    ofUser.addLast(grant);
    while (ofUser.size() > settings.maxRefreshTokensPerUser()) {
      kill(ofUser.removeFirst());
    }
    return grant;
  }

  private Reply refresh(String clientId, Map<String, String> p) {
    String refreshToken = Protocol.blankToNull(p.get("refresh_token"));
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
      return Reply.throttled();
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
    Access access = apiAccess(authorization);
    if (access == null) {
      return Reply.invalidToken();
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

  /** Any other CRM API call: an empty page of records, or 401 {@code INVALID_TOKEN}. */
  synchronized Reply apiCall(@Nullable String authorization) {
    if (apiAccess(authorization) == null) {
      return Reply.invalidToken();
    }
    return Reply.noRecords();
  }

  /** The valid access token of an API call's {@code Authorization} header; null if none, or if calls are rejected. */
  private @Nullable Access apiAccess(@Nullable String authorization) {
    String token = Protocol.bearer(authorization);
    Access access = token == null || rejectApiCalls ? null : accessTokens.get(token);
    return access == null || !settings.clock().instant().isBefore(access.expiresAt()) ? null : access;
  }

  synchronized void rejectApiCalls(boolean reject) {
    this.rejectApiCalls = reject;
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

  private String newToken() {
    return Protocol.newToken(random) + settings.tokenSuffix();
  }

  private User user(String email) {
    return users.computeIfAbsent(
        email,
        e -> new User(e, String.format(Locale.ROOT, "41508680000002%05d", users.size() + 1), Protocol.fullName(e)));
  }
}
