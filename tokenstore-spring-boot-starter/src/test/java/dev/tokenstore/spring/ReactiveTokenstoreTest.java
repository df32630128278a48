package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spring.autoconfigure.TokenstoreAutoConfiguration;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import reactor.core.publisher.Flux;

/**
 * A WebFlux application context with Spring Boot's reactive OAuth2 client auto-configuration: tokenstore's reactive
 * service and manager replace Spring's, and 32 concurrent subscriptions at expiry make one refresh at
 * mock-oauth2-server (counted by the proxy in front of its token endpoint).
 */
class ReactiveTokenstoreTest {
  static final MockAuthorizationServer AUTH = new MockAuthorizationServer();
  static final MutableClock CLOCK = new MutableClock();

  @AfterAll
  static void stop() {
    AUTH.close();
  }

  static Class<?> bootReactiveOAuth2Client() throws ClassNotFoundException {
    try {
      return Class.forName(
          "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientAutoConfiguration");
    } catch (ClassNotFoundException e) {
      return Class.forName(
          "org.springframework.boot.autoconfigure.security.oauth2.client.reactive.ReactiveOAuth2ClientAutoConfiguration");
    }
  }

  /** The authorization code flow at the server, as a browser and Spring would run it: the tokens it issues. */
  static String[] codeFlow(String subject) throws Exception {
    AUTH.nextSubject(subject);
    String redirect = "http://127.0.0.1:9/login/oauth2/code/mock";
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> authorize = http.send(HttpRequest.newBuilder(URI.create(
        AUTH.server.authorizationEndpointUrl(MockAuthorizationServer.ISSUER) + "?response_type=code&client_id="
            + MockAuthorizationServer.CLIENT_ID + "&scope=openid&state=s1&redirect_uri="
            + URLEncoder.encode(redirect, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    Matcher code = Pattern.compile("[?&]code=([^&]+)").matcher(authorize.headers().firstValue("Location").orElseThrow());
    assertThat(code.find()).isTrue();
    HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(AUTH.proxy.url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=" + code.group(1)
            + "&redirect_uri=" + URLEncoder.encode(redirect, StandardCharsets.UTF_8) + "&client_id="
            + MockAuthorizationServer.CLIENT_ID + "&client_secret=" + MockAuthorizationServer.CLIENT_SECRET))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).isEqualTo(200);
    return new String[] {field(token.body(), "access_token"), field(token.body(), "refresh_token")};
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    assertThat(m.find()).as("%s in the token reply", name).isTrue();
    return m.group(1);
  }

  @Test
  void reactiveServiceAndManagerRefreshOnceFor32Subscribers(@TempDir java.nio.file.Path dir) throws Exception {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenstoreAutoConfiguration.class, bootReactiveOAuth2Client()))
        .withPropertyValues(AUTH.springProperties().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .toArray(String[]::new))
        .withPropertyValues("tokenstore.store=sqlite:" + dir.resolve("tokens.db"))
        .withBean(TokenManagerCustomizer.class, () -> (id, b) -> b.clock(CLOCK))
        .run(c -> {
          assertThat(c).hasNotFailed().doesNotHaveBean(OAuth2AuthorizedClientService.class);
          ReactiveOAuth2AuthorizedClientService service = c.getBean(ReactiveOAuth2AuthorizedClientService.class);
          ReactiveOAuth2AuthorizedClientManager manager = c.getBean(ReactiveOAuth2AuthorizedClientManager.class);
          assertThat(service).isInstanceOf(TokenStoreReactiveOAuth2AuthorizedClientService.class);
          assertThat(manager).isInstanceOf(TokenstoreReactiveAuthorizedClientManager.class);

          // a signed-in user's tokens, saved as Spring Security's WebFlux login saves them
          String[] tokens = codeFlow("reactive-user");
          ClientRegistration mock = c.getBean(ReactiveClientRegistrationRepository.class).findByRegistrationId("mock")
              .block();
          Instant now = Instant.now();
          service.saveAuthorizedClient(new OAuth2AuthorizedClient(mock, "reactive-user",
              new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, tokens[0], now, now.plusSeconds(3600)),
              new OAuth2RefreshToken(tokens[1], now)),
              UsernamePasswordAuthenticationToken.authenticated("reactive-user", null, List.of())).block();
          OAuthToken stored = c.getBean(TokenStore.class).findToken(OAuthToken.builder().accessToken(tokens[0])
              .build()).orElseThrow();
          assertThat(stored.userName()).isEqualTo("reactive-user");
          OAuth2AuthorizedClient loaded = service.<OAuth2AuthorizedClient>loadAuthorizedClient("mock",
              "reactive-user").block();
          assertThat(loaded.getAccessToken().getTokenValue()).isEqualTo(tokens[0]);

          CLOCK.advance(Duration.ofHours(2));
          int before = AUTH.proxy.refreshes();
          OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId("mock")
              .principal("reactive-user").build();
          List<String> handedOut = Flux.range(0, 32)
              .flatMap(i -> manager.authorize(request), 32)
              .map(a -> a.getAccessToken().getTokenValue())
              .collectList().block(Duration.ofSeconds(60));

          assertThat(AUTH.proxy.refreshes() - before).as("refresh calls").isEqualTo(1);
          Set<String> distinct = new HashSet<>(handedOut);
          assertThat(handedOut).hasSize(32);
          assertThat(distinct).hasSize(1).doesNotContain(tokens[0]);
          OAuthToken after = c.getBean(TokenStore.class).findTokenById(stored.id()).orElseThrow();
          assertThat(after.refreshToken()).isNotEqualTo(tokens[1]);
        });
  }
}
