package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.springframework.security.oauth2.client.ClientAuthorizationRequiredException;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.oauth.DataCenter;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spring.autoconfigure.TokenstoreAutoConfiguration;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;

/**
 * The auto-configuration in real Spring application contexts, with Spring Boot's own OAuth2 client
 * auto-configuration (of the Spring Boot version on the class path) beside it: which beans it makes, which it
 * leaves to the application, and how registrations map to environments.
 */
class TokenstoreAutoConfigurationTest {
  private static final String REG = "spring.security.oauth2.client.registration.";
  private static final String PROV = "spring.security.oauth2.client.provider.";

  /** Spring Boot's OAuth2 client auto-configuration: the class of Spring Boot 4 or 3, whichever is present. */
  static Class<?> bootOAuth2Client() {
    for (String name : new String[] {
        "org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration",
        "org.springframework.boot.autoconfigure.security.oauth2.client.OAuth2ClientAutoConfiguration",
        "org.springframework.boot.autoconfigure.security.oauth2.client.servlet.OAuth2ClientAutoConfiguration"}) {
      try {
        return Class.forName(name);
      } catch (ClassNotFoundException e) {
        // the other version's
      }
    }
    throw new AssertionError("no OAuth2 client auto-configuration of Spring Boot on the class path");
  }

  /** Tokenstore's and Spring Boot's OAuth2 client auto-configuration, a memory store. */
  static ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenstoreAutoConfiguration.class, bootOAuth2Client()))
        .withPropertyValues("tokenstore.store=memory:");
  }

  private final ApplicationContextRunner runner = runner();

  /** Four registrations: acme (RFC 6749), zoho (EU sandbox), batch (client credentials), off (disabled). */
  static String[] registrations() {
    return new String[] {
        REG + "acme.client-id=acme-client", REG + "acme.client-secret=acme-SECRET-1",
        REG + "acme.authorization-grant-type=authorization_code",
        REG + "acme.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
        PROV + "acme.authorization-uri=https://login.acme.example/authorize",
        PROV + "acme.token-uri=https://login.acme.example/oauth/token",
        REG + "zoho.client-id=1000.ZOHO", REG + "zoho.client-secret=zoho-SECRET-2",
        REG + "zoho.authorization-grant-type=authorization_code",
        REG + "zoho.client-authentication-method=client_secret_post",
        REG + "zoho.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
        PROV + "zoho.authorization-uri=https://accounts.zoho.eu/oauth/v2/auth",
        PROV + "zoho.token-uri=https://accounts.zoho.eu/oauth/v2/token",
        "tokenstore.registration.zoho.zoho-kind=sandbox",
        REG + "batch.client-id=batch-client", REG + "batch.client-secret=batch-SECRET-3",
        REG + "batch.authorization-grant-type=client_credentials",
        PROV + "batch.token-uri=https://login.acme.example/oauth/token",
        REG + "off.client-id=off-client", REG + "off.client-secret=off-SECRET-4",
        REG + "off.authorization-grant-type=authorization_code",
        REG + "off.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
        PROV + "off.authorization-uri=https://login.acme.example/authorize",
        PROV + "off.token-uri=https://login.acme.example/oauth/token",
        "tokenstore.registration.off.enabled=false",
        "tokenstore.registration.acme.api-domain=https://api.acme.example",
        "tokenstore.refresh-window=2m"};
  }

  @Test
  void withoutRegistrationsOnlyTheStore() {
    runner.run(c -> {
      assertThat(c).hasNotFailed().hasSingleBean(TokenStore.class);
      assertThat(c.getBean(TokenStore.class).capability(MemoryTokenStore.class)).isPresent();
      assertThat(c).doesNotHaveBean(RegistrationTokenManagers.class)
          .doesNotHaveBean(OAuth2AuthorizedClientService.class);
    });
  }

  @Test
  void registrationsGetTokenstoresServiceManagerAndOneTokenManagerEachThatTokenstoreServes() {
    runner.withPropertyValues(registrations()).run(c -> {
      assertThat(c).hasNotFailed();
      assertThat(c.getBean(OAuth2AuthorizedClientService.class))
          .isInstanceOf(TokenStoreOAuth2AuthorizedClientService.class);
      assertThat(c.getBean(OAuth2AuthorizedClientManager.class)).isInstanceOf(TokenstoreAuthorizedClientManager.class);
      RegistrationTokenManagers managers = c.getBean(RegistrationTokenManagers.class);
      assertThat(managers.managers()).containsOnlyKeys("acme", "zoho");

      Environment acme = managers.get("acme").orElseThrow().environment();
      assertThat(acme.protocol()).isEqualTo(Environment.Protocol.RFC6749);
      assertThat(acme.tokenUrl()).hasToString("https://login.acme.example/oauth/token");
      assertThat(acme.clientAuthentication()).isEqualTo(Environment.ClientAuthentication.BASIC);
      assertThat(acme.apiDomain()).isEqualTo("https://api.acme.example");

      // Zoho's EU accounts server is recognised: Zoho's dialect, the sandbox API of the EU data centre
      Environment zoho = managers.get("zoho").orElseThrow().environment();
      assertThat(zoho).isEqualTo(Environment.zoho(DataCenter.EU, Environment.Kind.SANDBOX));
      assertThat(zoho.apiDomain()).isEqualTo("https://sandbox.zohoapis.eu");

      assertThat(managers.get("batch")).as("client_credentials: Spring Security's").isEmpty();
      assertThat(managers.get("off")).as("disabled").isEmpty();
      assertThat(managers.get("nope")).isEmpty();
      assertThat(managers.toString()).doesNotContain("SECRET");
    });
  }

  @Test
  void theApplicationsOwnBeansWin() {
    runner.withPropertyValues(registrations()).withUserConfiguration(OwnBeans.class).run(c -> {
      assertThat(c).hasNotFailed();
      assertThat(c.getBean(TokenStore.class)).isSameAs(OwnBeans.STORE);
      assertThat(c.getBean(OAuth2AuthorizedClientService.class))
          .isInstanceOf(InMemoryOAuth2AuthorizedClientService.class);
      // tokenstore's manager reads the store: with another service it would not see the sign-ins, so none is made
      assertThat(c).doesNotHaveBean(TokenstoreAuthorizedClientManager.class);
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    static final TokenStore STORE = MemoryTokenStore.create();

    @Bean
    TokenStore myStore() {
      return STORE;
    }

    @Bean
    OAuth2AuthorizedClientService myService(ClientRegistrationRepository registrations) {
      return new InMemoryOAuth2AuthorizedClientService(registrations);
    }
  }

  @Test
  void customizersAndPropertiesShapeEachManager() {
    List<String> customized = new ArrayList<>();
    runner.withPropertyValues(registrations())
        .withBean(TokenManagerCustomizer.class, () -> (id, b) -> customized.add(id))
        .run(c -> {
          assertThat(c).hasNotFailed();
          assertThat(customized).containsExactlyInAnyOrder("acme", "zoho");
          assertThat(c.getBean(RegistrationTokenManagers.class).get("acme").orElseThrow().toString())
              .contains("refreshWindow=PT2M");
        });
  }

  @Test
  void aKeyringEncryptsTheStore(@TempDir Path dir) {
    KeyringFile.create(dir.resolve("keyring.json"), Keyring.generate(Clock.systemUTC()));
    String db = dir.resolve("tokens.db").toString();
    runner.withPropertyValues("tokenstore.store=sqlite:" + db, "tokenstore.keyring=" + dir.resolve("keyring.json"))
        .run(c -> {
          assertThat(c).hasNotFailed();
          TokenStore store = c.getBean(TokenStore.class);
          assertThat(store.capability(EncryptedTokenStore.class)).isPresent();
          store.saveToken(OAuthToken.builder().userName("u").clientId("c").refreshToken("rt-SECRET-5").build());
          assertThat(store.getTokens()).singleElement().extracting(OAuthToken::refreshToken).isEqualTo("rt-SECRET-5");
        });
    // without the keyring the record's secrets are unreadable: they were stored encrypted
    try (TokenStore plain = dev.tokenstore.TokenStores.open("sqlite:" + db)) {
      assertThat(org.assertj.core.api.Assertions.catchThrowable(plain::getTokens)).isNotNull();
    }
  }

  @Test
  void aKeyringWithoutTokenstoreCryptoIsAClearError() {
    runner.withClassLoader(new FilteredClassLoader(EncryptedTokenStore.class))
        .withPropertyValues("tokenstore.keyring=/nowhere/keyring.json")
        .run(c -> assertThat(c).getFailure().rootCause().hasMessageContaining("tokenstore-crypto"));
  }

  @Test
  void metersPerRegistration() {
    runner.withPropertyValues(registrations()).run(c -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      c.getBean(TokenManagerMeterBinder.class).bindTo(registry);
      TokenManager zoho = c.getBean(RegistrationTokenManagers.class).get("zoho").orElseThrow();
      zoho.getToken(OAuthToken.builder().accessToken("at-SECRET-6").build()); // an unknown access token: no refresh
      FunctionCounter reads = registry.get("tokenstore.store.reads").tag("registration", "zoho").functionCounter();
      assertThat(reads.count()).isEqualTo(zoho.metrics().storeReads()).isPositive();
      assertThat(registry.get("tokenstore.refreshes").tag("registration", "acme").functionCounter().count()).isZero();
      assertThat(registry.get("tokenstore.unsaved.tokens").tag("registration", "acme").gauge().value()).isZero();
    });
  }

  @Test
  void defaultStoreIsTheCommandsSqliteFile(@TempDir Path home) throws Exception {
    String old = System.getProperty("user.home");
    System.setProperty("user.home", home.toString());
    try {
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TokenstoreAutoConfiguration.class))
          .run(c -> {
            assertThat(c).hasNotFailed();
            c.getBean(TokenStore.class).saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
          });
      assertThat(home.resolve(".tokenstore/tokens.db")).isRegularFile();
      assertThat(java.nio.file.Files.getPosixFilePermissions(home.resolve(".tokenstore")))
          .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
              java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    } finally {
      System.setProperty("user.home", old);
    }
  }

  @Test
  void recheckStoreAfterLetsAManagerSeeARecordRemovedByAnotherInstance() {
    runner.withPropertyValues(registrations()).withPropertyValues("tokenstore.recheck-store-after=50ms").run(c -> {
      assertThat(c).hasNotFailed();
      TokenStore store = c.getBean(TokenStore.class);
      RegistrationTokenManagers managers = c.getBean(RegistrationTokenManagers.class);
      OAuthToken saved = store.saveToken(managers.query(
          c.getBean(ClientRegistrationRepository.class).findByRegistrationId("acme"), "alice").toBuilder()
          .clientSecret(null).accessToken("at-SECRET-1").refreshToken("rt-SECRET-1")
          .expiresAt(java.time.Instant.now().plusSeconds(3600)).build());
      OAuth2AuthorizedClientManager manager = c.getBean(OAuth2AuthorizedClientManager.class);
      OAuth2AuthorizeRequest alice = OAuth2AuthorizeRequest.withClientRegistrationId("acme").principal("alice").build();
      assertThat(manager.authorize(alice).getAccessToken().getTokenValue()).isEqualTo("at-SECRET-1");
      store.deleteToken(saved.id()); // another instance's logout: this instance's service is not told
      Thread.sleep(150);
      assertThat(catchThrowable(() -> manager.authorize(alice)))
          .isInstanceOf(ClientAuthorizationRequiredException.class);
    });
  }

  /** A store whose saves fail while {@code failing} is set; remembers its records when it is closed. */
  static final class FlakyStore extends ForwardingTokenStore {
    final MemoryTokenStore memory;
    volatile boolean failing;
    volatile List<OAuthToken> atClose = List.of();

    FlakyStore(MemoryTokenStore memory) {
      super(memory);
      this.memory = memory;
    }

    @Override
    public OAuthToken saveToken(OAuthToken token) {
      if (failing) {
        throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "the store is down (test)");
      }
      return super.saveToken(token);
    }

    @Override
    public void close() {
      atClose = memory.getTokens();
      super.close();
    }
  }

  @Test
  void unsavedRefreshResultsAreSavedWhenTheContextCloses() throws Exception {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.createContext("/token", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] b = ("{\"access_token\":\"at-SECRET-2\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
          + "\"refresh_token\":\"rt-SECRET-2\"}").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    endpoint.start();
    FlakyStore store = new FlakyStore(MemoryTokenStore.create());
    try {
      String tokenUri = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/token";
      runner.withBean(TokenStore.class, () -> store).withPropertyValues(
          REG + "web.client-id=web-client", REG + "web.client-secret=web-SECRET",
          REG + "web.authorization-grant-type=authorization_code",
          REG + "web.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
          PROV + "web.authorization-uri=http://127.0.0.1/authorize", PROV + "web.token-uri=" + tokenUri).run(c -> {
            assertThat(c).hasNotFailed();
            RegistrationTokenManagers managers = c.getBean(RegistrationTokenManagers.class);
            store.saveToken(managers.query(
                c.getBean(ClientRegistrationRepository.class).findByRegistrationId("web"), "alice").toBuilder()
                .clientSecret(null).accessToken("at-SECRET-1").refreshToken("rt-SECRET-1")
                .expiresAt(java.time.Instant.now().minusSeconds(10)).build());
            store.failing = true;
            OAuth2AuthorizedClient refreshed = c.getBean(OAuth2AuthorizedClientManager.class).authorize(
                OAuth2AuthorizeRequest.withClientRegistrationId("web").principal("alice").build());
            assertThat(refreshed.getAccessToken().getTokenValue()).isEqualTo("at-SECRET-2");
            assertThat(managers.get("web").orElseThrow().unsavedTokenIds()).hasSize(1);
            store.failing = false; // the store recovers before the application stops
          });
      assertThat(store.atClose).singleElement().satisfies(t -> {
        assertThat(t.accessToken()).isEqualTo("at-SECRET-2");
        assertThat(t.refreshToken()).isEqualTo("rt-SECRET-2");
      });
    } finally {
      endpoint.stop(0);
    }
  }
}
