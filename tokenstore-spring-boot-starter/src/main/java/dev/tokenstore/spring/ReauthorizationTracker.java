package dev.tokenstore.spring;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenEventListener;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Which stored tokens need their user to sign in again: a {@link TokenEventListener} that remembers the records
 * whose refresh the server refused ({@link ErrorCode#REAUTHORIZATION_REQUIRED}), by id and a SHA-256 of the refused
 * refresh token (never the token), and forgets one as soon as its record is gone or holds another refresh token
 * (a new sign-in, another instance's refresh). The Actuator health indicator reports {@link #pending()}.
 *
 * <p>Thread-safe.
 */
public final class ReauthorizationTracker implements TokenEventListener {
  private final TokenStore store;
  private final ConcurrentHashMap<String, byte[]> refused = new ConcurrentHashMap<>();

  public ReauthorizationTracker(TokenStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public void onEvent(TokenEvent event) {
    String id = event.tokenId();
    if (id == null) {
      return;
    }
    if (event.type() == TokenEvent.Type.REFRESH_FAILED && event.error() instanceof TokenstoreException e
        && e.code() == ErrorCode.REAUTHORIZATION_REQUIRED) {
      store.findTokenById(id).map(OAuthToken::refreshToken).ifPresent(rt -> refused.put(id, sha256(rt)));
    } else if (event.type() == TokenEvent.Type.REFRESH_SUCCEEDED || event.type() == TokenEvent.Type.EXCHANGED
        || event.type() == TokenEvent.Type.SIBLING_TOKEN_USED || event.type() == TokenEvent.Type.REVOKED) {
      refused.remove(id);
    }
  }

  /**
   * The ids of the records that still hold a refresh token the server refused, in id order; reads each such record
   * (a store read per pending record).
   */
  public List<String> pending() {
    for (Map.Entry<String, byte[]> e : refused.entrySet()) {
      @Nullable String now = store.findTokenById(e.getKey()).map(OAuthToken::refreshToken).orElse(null);
      if (now == null || !Arrays.equals(sha256(now), e.getValue())) {
        refused.remove(e.getKey(), e.getValue());
      }
    }
    return refused.keySet().stream().sorted().toList();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "ReauthorizationTracker{" + refused.size() + " refused}";
  }
}
