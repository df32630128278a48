package dev.tokenstore.cli;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.time.Clock;
import java.util.function.Consumer;
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

  /** The client {@code clientId} (with {@code clientSecret}, if any); warnings for the user go to {@code warn}. */
  Authorizer(Clock clock, String clientId, @Nullable String clientSecret, Consumer<String> warn) {
    this.clock = clock;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.warn = warn;
  }

  String clientId() {
    return clientId;
  }

  private TokenManager manager(TokenStore store, Environment env, @Nullable String user) {
    return TokenManager.builder()
        .store(store)
        .environment(env)
        .clock(clock)
        .fillUserName(user == null && env.protocol() == Environment.Protocol.ZOHO)
        .requireSaved(true) // a command ends with the process: never report a result the store did not keep
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

  /** Refreshes with a refresh token the user already has (which checks it) and stores the result. */
  OAuthToken importRefreshToken(TokenStore store, Environment env, String refreshToken, @Nullable String user) {
    OAuthToken saved = manager(store, env, user).getToken(OAuthToken.builder()
        .clientId(clientId)
        .clientSecret(clientSecret)
        .refreshToken(refreshToken)
        .build());
    if (user != null && !user.equals(saved.userName())) {
      saved = store.saveToken(OAuthToken.builder().id(saved.id()).userName(user).build());
    } else if (saved.userName() == null) {
      warn.accept("The token is stored without a user name. Pass --user NAME to name it.");
    }
    return saved;
  }
}
