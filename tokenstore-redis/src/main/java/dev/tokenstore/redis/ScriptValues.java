package dev.tokenstore.redis;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The values that cross between a {@link RedisTokenStore} and its Lua scripts: a token read from a script's
 * flat field/value reply, the reply's lists and strings, and nulls sent as empty strings.
 *
 * <p>Thread-safe: stateless.
 */
final class ScriptValues {
  private ScriptValues() {}

  /**
   * The token in a flat {@code field, value, ...} reply.
   *
   * @param where how messages name the server
   * @param base the store's key base, to name the hash of a corrupt record
   */
  static OAuthToken toToken(List<?> flat, String where, String base) {
    Map<String, String> f = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      f.put(string(flat.get(i)), string(flat.get(i + 1)));
    }
    String expiry = f.get("expiry_time");
    Instant expiresAt = null;
    if (expiry != null) {
      try {
        expiresAt = Instant.ofEpochMilli(Long.parseLong(expiry));
      } catch (NumberFormatException e) {
        throw new StoreException(ErrorCode.CORRUPT_STORE,
            "Token id " + f.get("id") + " in Redis at " + where + " has an expiry_time that is not epoch "
                + "milliseconds. Fix or delete that hash (key " + base + "token:" + f.get("id") + ").");
      }
    }
    Instant issuedAt = null;
    String issued = f.get("issued_at");
    if (issued != null) {
      try {
        issuedAt = Instant.ofEpochMilli(Long.parseLong(issued));
      } catch (NumberFormatException e) {
        // Not ours to fail on: without an issue time a token manager uses its configured refresh window.
        issuedAt = null;
      }
    }
    return OAuthToken.builder()
        .id(f.get("id"))
        .userName(f.get("user_name"))
        .clientId(f.get("client_id"))
        .clientSecret(f.get("client_secret"))
        .refreshToken(f.get("refresh_token"))
        .accessToken(f.get("access_token"))
        .grantToken(f.get("grant_token"))
        .expiresAt(expiresAt)
        .redirectUrl(f.get("redirect_url"))
        .apiDomain(f.get("api_domain"))
        .issuedAt(issuedAt)
        .build();
  }

  static List<?> list(@Nullable Object reply) {
    if (reply instanceof List<?> l) {
      return l;
    }
    throw new StoreException(ErrorCode.CORRUPT_STORE, "Redis sent an unexpected reply to a tokenstore script.");
  }

  static String string(@Nullable Object o) {
    if (o instanceof String s) {
      return s;
    }
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return String.valueOf(o);
  }

  static String nz(@Nullable String s) {
    return s == null ? "" : s;
  }
}
