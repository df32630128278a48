package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.memory.MemoryTokenStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.ClientAuthorizationRequiredException;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;

/** The service and the manager over a real (memory) store with real Spring Security registrations. */
class TokenStoreOAuth2AuthorizedClientServiceTest {
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private final ClientRegistration web = ClientRegistration.withRegistrationId("web")
      .clientId("web-client").clientSecret("web-SECRET-1")
      .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
      .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
      .authorizationUri("https://login.example/authorize").tokenUri("https://login.example/token")
      .scope("read").build();
  private final ClientRegistration batch = ClientRegistration.withRegistrationId("batch")
      .clientId("batch-client").clientSecret("batch-SECRET-2")
      .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
      .tokenUri("https://login.example/token").build();
  private final MemoryTokenStore store = MemoryTokenStore.create();
  private final RegistrationTokenManagers managers =
      RegistrationTokenManagers.builder(store, new InMemoryClientRegistrationRepository(web, batch)).build();
  private final TokenStoreOAuth2AuthorizedClientService service = new TokenStoreOAuth2AuthorizedClientService(managers);

  private static Authentication user(String name) {
    return UsernamePasswordAuthenticationToken.authenticated(name, null, List.of());
  }

  private OAuth2AuthorizedClient client(String user, String access, Instant issued, String refresh) {
    return new OAuth2AuthorizedClient(web, user,
        new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, access, issued, issued.plusSeconds(3600),
            Set.of("read")),
        new OAuth2RefreshToken(refresh, issued));
  }

  @Test
  void savedClientIsOneRecordWithTheMappedFieldsAndLoadsBack() {
    service.saveAuthorizedClient(client("alice", "at-SECRET-a1", NOW, "rt-SECRET-a1"), user("alice"));

    OAuthToken stored = store.getTokens().get(0);
    assertThat(store.getTokens()).hasSize(1);
    assertThat(stored.userName()).isEqualTo("alice");
    assertThat(stored.clientId()).isEqualTo("web-client");
    assertThat(stored.clientSecret()).as("the secret stays in the configuration").isNull();
    assertThat(stored.accessToken()).isEqualTo("at-SECRET-a1");
    assertThat(stored.refreshToken()).isEqualTo("rt-SECRET-a1");
    assertThat(stored.expiresAt()).isEqualTo(NOW.plusSeconds(3600));
    assertThat(stored.issuedAt()).isEqualTo(NOW);
    assertThat(stored.apiDomain()).isEqualTo("https://login.example");

    OAuth2AuthorizedClient loaded = service.loadAuthorizedClient("web", "alice");
    assertThat(loaded.getPrincipalName()).isEqualTo("alice");
    assertThat(loaded.getClientRegistration()).isEqualTo(web);
    assertThat(loaded.getAccessToken().getTokenValue()).isEqualTo("at-SECRET-a1");
    assertThat(loaded.getAccessToken().getExpiresAt()).isEqualTo(NOW.plusSeconds(3600));
    assertThat(loaded.getAccessToken().getScopes()).as("scopes are not kept").isEmpty();
    assertThat(loaded.getRefreshToken().getTokenValue()).isEqualTo("rt-SECRET-a1");
    assertThat(service.toString()).doesNotContain("SECRET");
  }

  @Test
  void eachPrincipalHasItsOwnRecordAndUnknownsLoadNothing() {
    service.saveAuthorizedClient(client("alice", "at-SECRET-a", NOW, "rt-SECRET-a"), user("alice"));
    service.saveAuthorizedClient(client("o'brien@example.com", "at-SECRET-b", NOW, "rt-SECRET-b"),
        user("o'brien@example.com"));

    assertThat(store.getTokens()).hasSize(2);
    assertThat(service.loadAuthorizedClient("web", "o'brien@example.com").getAccessToken().getTokenValue())
        .isEqualTo("at-SECRET-b");
    assertThat((Object) service.loadAuthorizedClient("web", "carol")).isNull();
    assertThat((Object) service.loadAuthorizedClient("nope", "alice")).isNull();
  }

  @Test
  void aNewSignInReplacesTheTokensButAStaleCopyCannotUndoARotation() {
    service.saveAuthorizedClient(client("alice", "at-SECRET-1", NOW, "rt-SECRET-1"), user("alice"));
    String id = store.getTokens().get(0).id();
    OAuth2AuthorizedClient newer = client("alice", "at-SECRET-2", NOW.plusSeconds(600), "rt-SECRET-2");
    service.saveAuthorizedClient(newer, user("alice"));
    assertThat(store.findTokenById(id).orElseThrow().refreshToken()).isEqualTo("rt-SECRET-2");

    // an old copy (e.g. a refresh that lost a race elsewhere) comes back: ignored, the rotated token stays
    service.saveAuthorizedClient(client("alice", "at-SECRET-1", NOW, "rt-SECRET-1"), user("alice"));
    OAuthToken kept = store.findTokenById(id).orElseThrow();
    assertThat(kept.accessToken()).isEqualTo("at-SECRET-2");
    assertThat(kept.refreshToken()).isEqualTo("rt-SECRET-2");
    assertThat(store.getTokens()).hasSize(1);
  }

  @Test
  void removeDeletesOnlyThatPrincipalsRecord() {
    service.saveAuthorizedClient(client("alice", "at-SECRET-a", NOW, "rt-SECRET-a"), user("alice"));
    service.saveAuthorizedClient(client("bob", "at-SECRET-b", NOW, "rt-SECRET-b"), user("bob"));
    service.removeAuthorizedClient("web", "alice");
    service.removeAuthorizedClient("web", "carol");
    assertThat(store.getTokens()).extracting(OAuthToken::userName).containsExactly("bob");
  }

  @Test
  void theManagerHandsOutAValidStoredTokenAndAsksForAuthorizationWithoutOne() {
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(managers, null);
    service.saveAuthorizedClient(client("alice", "at-SECRET-a", Instant.now(), "rt-SECRET-a"), user("alice"));

    OAuth2AuthorizedClient alice = manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("web")
        .principal("alice").build());
    assertThat(alice.getAccessToken().getTokenValue()).isEqualTo("at-SECRET-a");

    Throwable none = catchThrowable(() -> manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("web")
        .principal("carol").build()));
    assertThat(none).isInstanceOf(ClientAuthorizationRequiredException.class);
    assertThat(((ClientAuthorizationRequiredException) none).getClientRegistrationId()).isEqualTo("web");

    Throwable notServed = catchThrowable(() -> manager.authorize(
        OAuth2AuthorizeRequest.withClientRegistrationId("batch").principal("alice").build()));
    assertThat(notServed).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch")
        .hasMessageNotContaining("SECRET");
  }
}
