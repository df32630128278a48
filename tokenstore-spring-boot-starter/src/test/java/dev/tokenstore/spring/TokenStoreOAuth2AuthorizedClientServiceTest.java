package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.file.FileTokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
    assertThat(stored.apiDomain()).isEqualTo("https://login.example/token");

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

  private static ClientRegistration registration(String id, String clientId, String tokenUri) {
    return ClientRegistration.withRegistrationId(id).clientId(clientId).clientSecret(id + "-SECRET")
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
        .authorizationUri("https://login.example/authorize").tokenUri(tokenUri).scope("read").build();
  }

  private static OAuth2AuthorizedClient client(ClientRegistration r, String user, String access, Instant issued,
      long lifetimeSeconds, @Nullable String refresh) {
    return new OAuth2AuthorizedClient(r, user,
        new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, access, issued, issued.plusSeconds(lifetimeSeconds),
            Set.of("read")), refresh == null ? null : new OAuth2RefreshToken(refresh, issued));
  }

  private static OAuth2AuthorizeRequest request(String registrationId, String principal) {
    return OAuth2AuthorizeRequest.withClientRegistrationId(registrationId).principal(principal).build();
  }

  @Test
  void twoRealmsOnOneHostWithTheSameClientIdKeepSeparateRecords() {
    ClientRegistration a =
        registration("tenant-a", "app", "https://idp.example/realms/a/protocol/openid-connect/token");
    ClientRegistration b =
        registration("tenant-b", "app", "https://idp.example/realms/b/protocol/openid-connect/token");
    MemoryTokenStore two = MemoryTokenStore.create();
    RegistrationTokenManagers m =
        RegistrationTokenManagers.builder(two, new InMemoryClientRegistrationRepository(a, b)).build();
    TokenStoreOAuth2AuthorizedClientService s = new TokenStoreOAuth2AuthorizedClientService(m);
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(m, null);
    s.saveAuthorizedClient(client(a, "alice", "at-SECRET-A", Instant.now(), 3600, "rt-SECRET-A"), user("alice"));

    assertThat((Object) s.loadAuthorizedClient("tenant-b", "alice")).as("tenant B's alice is another person").isNull();
    assertThat(catchThrowable(() -> manager.authorize(request("tenant-b", "alice"))))
        .isInstanceOf(ClientAuthorizationRequiredException.class);
    assertThat(two.getTokens().get(0).apiDomain())
        .isEqualTo("https://idp.example/realms/a/protocol/openid-connect/token");
    assertThat(m.apiDomain(b)).isEqualTo("https://idp.example/realms/b/protocol/openid-connect/token");
  }

  @Test
  void zohoRegistrationsKeepZohosApiDomain() {
    ClientRegistration zoho = registration("zoho", "1000.ABC", "https://accounts.zoho.eu/oauth/v2/token");
    RegistrationTokenManagers m = RegistrationTokenManagers.builder(MemoryTokenStore.create(),
        new InMemoryClientRegistrationRepository(zoho)).build();
    assertThat(m.apiDomain(zoho)).isEqualTo("https://www.zohoapis.eu");
  }

  @Test
  void removeAuthorizedClientIsSeenByTheManagerAtOnce() {
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(managers, null);
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", Instant.now(), 3600, "rt-SECRET-1"),
        user("alice"));
    assertThat(manager.authorize(request("web", "alice")).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-1");

    service.removeAuthorizedClient("web", "alice"); // logout, or Spring's RemoveAuthorizedClient failure handler
    assertThat(catchThrowable(() -> manager.authorize(request("web", "alice"))))
        .isInstanceOf(ClientAuthorizationRequiredException.class);
  }

  @Test
  void aNewSignInIsHandedOutByTheManagerAtOnce() {
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(managers, null);
    Instant now = Instant.now();
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", now, 3600, "rt-SECRET-1"), user("alice"));
    assertThat(manager.authorize(request("web", "alice")).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-1");

    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-2", now.plusSeconds(60), 3600, "rt-SECRET-2"),
        user("alice"));
    assertThat(manager.authorize(request("web", "alice")).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-2");
  }

  @Test
  void removeThenSignInAgainHandsOutTheNewToken() {
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(managers, null);
    Instant now = Instant.now();
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", now, 3600, "rt-SECRET-1"), user("alice"));
    manager.authorize(request("web", "alice"));
    service.removeAuthorizedClient("web", "alice");
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-2", now.plusSeconds(1), 3600, "rt-SECRET-2"),
        user("alice"));
    assertThat(manager.authorize(request("web", "alice")).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-2");
  }

  @Test
  void aManagerSeesARecordRemovedElsewhereWithinRecheckStoreAfter() throws Exception {
    RegistrationTokenManagers m = RegistrationTokenManagers
        .builder(store, new InMemoryClientRegistrationRepository(web)).recheckStoreAfter(java.time.Duration.ofMillis(50)).build();
    TokenstoreAuthorizedClientManager manager = new TokenstoreAuthorizedClientManager(m, null);
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", Instant.now(), 3600, "rt-SECRET-1"),
        user("alice"));
    assertThat(manager.authorize(request("web", "alice")).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-1");
    store.deleteToken(store.getTokens().get(0).id()); // another instance's logout: no invalidate here
    Thread.sleep(100);
    assertThat(catchThrowable(() -> manager.authorize(request("web", "alice"))))
        .isInstanceOf(ClientAuthorizationRequiredException.class);
  }

  @Test
  void aNewSignInWithAShorterLifetimeIsSaved() {
    // Entra ID gives access tokens random lifetimes of 60 to 90 minutes: a later sign-in may expire earlier
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", NOW, 90 * 60, "rt-SECRET-1"), user("alice"));
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-2", NOW.plusSeconds(600), 60 * 60, "rt-SECRET-2"),
        user("alice"));
    OAuthToken s = store.getTokens().get(0);
    assertThat(s.accessToken()).isEqualTo("at-SECRET-2");
    assertThat(s.refreshToken()).isEqualTo("rt-SECRET-2");
  }

  @Test
  void aSaveWithoutRefreshTokenKeepsTheStoredOne() {
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", NOW, 3600, "rt-SECRET-1"), user("alice"));
    service.saveAuthorizedClient(client(web, "alice", "at-SECRET-2", NOW.plusSeconds(10), 3600, null), user("alice"));
    assertThat(store.getTokens().get(0).refreshToken()).isEqualTo("rt-SECRET-1");
  }

  /** Over a store with compare-and-set saves (here the file store; SQL and Redis stores have them too). */
  @Test
  void aStaleSaveRacingARotationDoesNotUndoIt(@TempDir Path dir) {
    try (FileTokenStore file = FileTokenStore.open(dir.resolve("tokens.txt"))) {
      AtomicReference<@Nullable Runnable> afterFind = new AtomicReference<>();
      TokenStore racing = new ForwardingTokenStore(file) {
        @Override
        public Optional<OAuthToken> findToken(OAuthToken query) {
          Optional<OAuthToken> r = super.findToken(query);
          Runnable hook = afterFind.getAndSet(null);
          if (hook != null) {
            hook.run();
          }
          return r;
        }
      };
      RegistrationTokenManagers m =
          RegistrationTokenManagers.builder(racing, new InMemoryClientRegistrationRepository(web)).build();
      TokenStoreOAuth2AuthorizedClientService s = new TokenStoreOAuth2AuthorizedClientService(m);
      s.saveAuthorizedClient(client(web, "alice", "at-SECRET-1", NOW, 3600, "rt-SECRET-1"), user("alice"));
      String id = file.getTokens().get(0).id();
      // between the service's read and its write, the token manager (or another instance) rotates the tokens
      afterFind.set(() -> file.saveToken(OAuthToken.builder().id(id).accessToken("at-SECRET-3")
          .refreshToken("rt-SECRET-3").expiresAt(NOW.plusSeconds(7200)).issuedAt(NOW.plusSeconds(3600)).build()));
      s.saveAuthorizedClient(client(web, "alice", "at-SECRET-2", NOW.plusSeconds(3500), 3600, "rt-SECRET-2"),
          user("alice"));
      assertThat(file.getTokens().get(0).refreshToken()).as("the newer rotated refresh token")
          .isEqualTo("rt-SECRET-3");
    }
  }
}
