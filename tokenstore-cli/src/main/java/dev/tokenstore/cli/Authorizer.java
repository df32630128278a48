package dev.tokenstore.cli;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The CLI's face on the library's grant flows: exchange a code (with its PKCE verifier) or import a refresh
 * token through a {@link TokenManager}, which stores the result and, for Zoho, fills the user's e-mail. Adds only
 * the user name given on the command line and the warnings a person at a terminal needs. Immutable; thread-safe
 * when {@code warn} is.
 */
final class Authorizer {
  private final Clock clock;
  private final String clientId;
  private final @Nullable String clientSecret;
  private final Consumer<String> warn;
  private final UnaryOperator<TokenManager.Builder> settings;

  /**
   * The client {@code clientId} (with {@code clientSecret}, if any); warnings for the user go to {@code warn};
   * {@code settings} adds the command line's settings (timeouts, listener) to each manager.
   */
  Authorizer(Clock clock, String clientId, @Nullable String clientSecret, Consumer<String> warn,
      UnaryOperator<TokenManager.Builder> settings) {
    this.clock = clock;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.warn = warn;
    this.settings = settings;
  }

  String clientId() {
    return clientId;
  }

  private TokenManager manager(TokenStore store, Environment env, @Nullable String user) {
    return settings.apply(TokenManager.builder())
        .store(store)
        .environment(env)
        .clock(clock)
        .fillUserName(user == null && env.protocol() == Environment.Protocol.ZOHO)
        .build();
  }

  /** Exchanges {@code code} at {@code env} and stores the tokens; returns the stored record. */
  OAuthToken exchange(TokenStore store, Environment env, @Nullable String redirectUri, String code,
      @Nullable String codeVerifier, @Nullable String user) {
    OAuthToken saved = manager(store, env, user).exchange(OAuthToken.builder()
        .userName(user)
        .clientId(clientId)
        .clientSecret(clientSecret)
        .redirectUrl(redirectUri)
        .grantToken(code)
        .build(), codeVerifier);
    if (saved.refreshToken() == null) {
      warn.accept("The server sent no refresh token: the access token works until it expires, then you must "
          + "authorize again (Zoho sends one only with access_type=offline, and only at the first consent).");
    }
    if (saved.userName() == null) {
      warn.accept("The token is stored without a user name (the server did not tell it). Pass --user NAME to name it.");
    }
    return saved;
  }

  /**
   * Refreshes with a refresh token the user already has (always one call to the server, which checks it) and
   * stores the result. A refresh token already stored for another user than {@code user} is refused before any
   * call: importing never renames someone else's record.
   */
  OAuthToken importRefreshToken(TokenStore store, Environment env, String refreshToken, @Nullable String user) {
    OAuthToken saved = manager(store, env, user).importRefreshToken(OAuthToken.builder()
        .userName(user)
        .clientId(clientId)
        .clientSecret(clientSecret)
        .refreshToken(refreshToken)
        .build());
    if (saved.userName() == null) {
      warn.accept("The token is stored without a user name. Pass --user NAME to name it.");
    }
    return saved;
  }
}
