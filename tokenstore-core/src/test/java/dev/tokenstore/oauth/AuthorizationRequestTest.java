package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.BROWSER;
import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_ID;
import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_SECRET;
import static dev.tokenstore.oauth.EmulatorFixture.REDIRECT;
import static dev.tokenstore.oauth.EmulatorFixture.SCOPE;
import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.memory.MemoryTokenStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The authorization-code flow with state and PKCE, end to end against the emulator. */
class AuthorizationRequestTest {
  private final EmulatorFixture fx = new EmulatorFixture(b -> b);
  private final MemoryTokenStore store = MemoryTokenStore.create();

  @AfterEach
  void close() {
    fx.zoho.close();
    store.close();
  }

  private String follow(AuthorizationRequest request) throws Exception {
    HttpResponse<Void> r = BROWSER.send(HttpRequest.newBuilder(request.uri()).timeout(Duration.ofSeconds(10))
        .GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(302);
    URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
    assertThat(location.toString()).startsWith(REDIRECT);
    return location.getRawQuery();
  }

  @Test
  void theUrlCarriesStatePkceAndZohosOfflineParameters() {
    AuthorizationRequest request = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    String url = request.uri().toString();
    assertThat(url).startsWith(fx.zoho.authorizationUrl() + "?response_type=code&client_id=" + CLIENT_ID)
        .contains("&state=", "&access_type=offline", "&prompt=consent", "&code_challenge_method=S256",
            "&code_challenge=" + AuthorizationRequest.challenge(request.codeVerifier()))
        .doesNotContain(request.codeVerifier());
    assertThat(AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE).uri())
        .as("state and verifier are fresh for each request").isNotEqualTo(request.uri());
    assertThat(request.toString()).doesNotContain(request.codeVerifier());
  }

  @Test
  void theCodeIsExchangedWithTheVerifierAndStored() throws Exception {
    TokenManager manager = fx.manager(store).build();
    AuthorizationRequest request = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    AuthorizationRequest.Callback cb = request.callback(follow(request));
    assertThat(cb.accountsServer()).isEqualTo(fx.zoho.baseUrl());
    OAuthToken token = manager.withEnvironment(cb.environment(fx.environment())).exchange(OAuthToken.builder()
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(cb.code()).redirectUrl(request.redirectUri())
        .build(), request.codeVerifier());
    assertThat(token.userName()).isEqualTo(USER);
    assertThat(fx.zoho.isAccessTokenValid(token.accessToken())).isTrue();
    assertThat(store.getTokens()).containsExactly(token);
    assertThat(fx.zoho.exchangeCalls()).isEqualTo(1);
  }

  @Test
  void aWrongVerifierIsRefusedByTheServerAndNothingIsStored() throws Exception {
    TokenManager manager = fx.manager(store).build();
    AuthorizationRequest request = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    AuthorizationRequest.Callback cb = request.callback(follow(request));
    OAuthToken grant = OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(cb.code())
        .redirectUrl(REDIRECT).build();
    assertThatThrownBy(() -> manager.exchange(grant, "not-the-verifier-of-this-request-000000000000"))
        .isInstanceOf(OAuthException.class)
        .hasMessageNotContaining(cb.code());
    assertThat(store.getTokens()).isEmpty();
  }

  @Test
  void aForgedOrStaleStateIsRefused() throws Exception {
    AuthorizationRequest mine = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    AuthorizationRequest other = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    String query = follow(other);
    assertThatThrownBy(() -> mine.callback(query))
        .isInstanceOfSatisfying(TokenstoreException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("state");
    assertThatThrownBy(() -> mine.callback("code=abc"))
        .isInstanceOf(TokenstoreException.class).hasMessageContaining("state");
  }

  @Test
  void anErrorRedirectIsATypedError() {
    AuthorizationRequest request = AuthorizationRequest.create(fx.environment(), CLIENT_ID, REDIRECT, SCOPE);
    String state = request.uri().getQuery().replaceAll(".*state=([^&]*).*", "$1");
    assertThatThrownBy(() -> request.callback("error=access_denied&state=" + state))
        .isInstanceOfSatisfying(OAuthException.class,
            e -> assertThat(e.serverError()).contains("access_denied"));
  }
}
