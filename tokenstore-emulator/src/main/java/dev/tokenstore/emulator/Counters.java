package dev.tokenstore.emulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The emulator's request counters, behind {@link AccountsEmulator}'s counter methods: requests received per
 * endpoint (whatever their outcome or fault), token calls per grant type, and refresh calls per refresh token.
 * Thread-safe.
 */
final class Counters {
  final AtomicLong authorization = new AtomicLong();
  final AtomicLong token = new AtomicLong();
  final AtomicLong exchange = new AtomicLong();
  final AtomicLong refresh = new AtomicLong();
  final AtomicLong revoke = new AtomicLong();
  final AtomicLong userInfo = new AtomicLong();
  final AtomicLong api = new AtomicLong();
  private final ConcurrentHashMap<String, AtomicLong> refreshByToken = new ConcurrentHashMap<>();

  /** Counts one request to {@code endpoint} with these parameters. */
  void count(Endpoint endpoint, Map<String, String> params) {
    switch (endpoint) {
      case AUTHORIZATION -> authorization.incrementAndGet();
      case REVOKE -> revoke.incrementAndGet();
      case USER_INFO -> userInfo.incrementAndGet();
      case API -> api.incrementAndGet();
      case TOKEN -> {
        token.incrementAndGet();
        String grantType = params.get("grant_type");
        if ("authorization_code".equals(grantType)) {
          exchange.incrementAndGet();
        } else if ("refresh_token".equals(grantType)) {
          refresh.incrementAndGet();
          String rt = params.get("refresh_token");
          if (rt != null) {
            refreshByToken.computeIfAbsent(rt, k -> new AtomicLong()).incrementAndGet();
          }
        }
      }
    }
  }

  long refreshCalls(String refreshToken) {
    AtomicLong n = refreshByToken.get(refreshToken);
    return n == null ? 0 : n.get();
  }

  void reset() {
    authorization.set(0);
    token.set(0);
    exchange.set(0);
    refresh.set(0);
    revoke.set(0);
    userInfo.set(0);
    api.set(0);
    refreshByToken.clear();
  }
}
