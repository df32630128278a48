package dev.tokenstore.spring.autoconfigure;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.oauth.TokenEventListener;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spring.ReactiveRegistrations;
import dev.tokenstore.spring.ReauthorizationTracker;
import dev.tokenstore.spring.RefreshTimer;
import dev.tokenstore.spring.RegistrationEnvironments;
import dev.tokenstore.spring.RegistrationTokenManagers;
import dev.tokenstore.spring.TokenManagerCustomizer;
import dev.tokenstore.spring.TokenManagerMeterBinder;
import dev.tokenstore.spring.TokenStoreOAuth2AuthorizedClientService;
import dev.tokenstore.spring.TokenStoreReactiveOAuth2AuthorizedClientService;
import dev.tokenstore.spring.TokenstoreAuthorizedClientManager;
import dev.tokenstore.spring.TokenstoreReactiveAuthorizedClientManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;

/**
 * Auto-configures tokenstore; every bean backs off when the application defines its own of the same type:
 * <ul>
 *   <li>a {@link TokenStore} opened from {@code tokenstore.store} (default {@code sqlite:~/.tokenstore/tokens.db}),
 *       encrypted with {@code tokenstore.keyring} when that is set (a {@link KeyProvider} bean);
 *   <li>with Spring Security's OAuth2 client and client registrations: {@link RegistrationTokenManagers} (a
 *       {@code TokenManager} per registration tokenstore serves, with the {@code tokenstore.*} settings, every
 *       {@link TokenManagerCustomizer} and every {@link TokenEventListener} bean), a
 *       {@link TokenStoreOAuth2AuthorizedClientService} (runs before Spring Boot's OAuth2 client auto-configuration,
 *       so it replaces the in-memory one) and, when that service is in use, a
 *       {@link TokenstoreAuthorizedClientManager} (Spring Security uses an {@link OAuth2AuthorizedClientManager}
 *       bean for {@code @RegisteredOAuth2AuthorizedClient} and its HTTP client interceptors);
 *   <li>in a WebFlux application, the same with {@link TokenStoreReactiveOAuth2AuthorizedClientService} and
 *       {@link TokenstoreReactiveAuthorizedClientManager};
 *   <li>with Micrometer: a {@link TokenManagerMeterBinder} ({@code tokenstore.*} meters per registration) and a
 *       {@link RefreshTimer} (timer {@code tokenstore.refresh}).
 * </ul>
 * Not thread-safe itself (Spring calls it once, at start-up).
 */
@AutoConfiguration(beforeName = {
    // Spring Boot 4
    "org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration",
    "org.springframework.boot.security.oauth2.client.autoconfigure.servlet.OAuth2ClientWebSecurityAutoConfiguration",
    "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientAutoConfiguration",
    "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientWebSecurityAutoConfiguration",
    // Spring Boot 3
    "org.springframework.boot.autoconfigure.security.oauth2.client.OAuth2ClientAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.oauth2.client.servlet.OAuth2ClientAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.oauth2.client.servlet.OAuth2ClientWebSecurityAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.oauth2.client.reactive.ReactiveOAuth2ClientAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.oauth2.client.reactive.ReactiveOAuth2ClientWebSecurityAutoConfiguration"})
@EnableConfigurationProperties(TokenstoreProperties.class)
@Import({
    TokenstoreAutoConfiguration.EncryptedStoreConfiguration.class,
    TokenstoreAutoConfiguration.PlainStoreConfiguration.class,
    TokenstoreAutoConfiguration.OAuth2ClientConfiguration.class,
    TokenstoreAutoConfiguration.ReactiveOAuth2ClientConfiguration.class,
    TokenstoreAutoConfiguration.MetricsConfiguration.class})
public class TokenstoreAutoConfiguration {
  private static final Log LOG = LogFactory.getLog(TokenstoreAutoConfiguration.class);

  /** The store URI: {@code tokenstore.store} with {@code ~/} expanded, else the default SQLite file. */
  static String storeUri(TokenstoreProperties properties) {
    String given = properties.getStore();
    if (given != null && !given.isBlank()) {
      return expandHome(given.strip());
    }
    Path dir = Path.of(System.getProperty("user.home"), ".tokenstore");
    try {
      if (!Files.isDirectory(dir)) {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the folder of the default token store, " + dir
          + ". Set tokenstore.store to a store URI (e.g. sqlite:/var/lib/app/tokens.db).", e);
    }
    return "sqlite:" + dir.resolve("tokens.db");
  }

  /** {@code sqlite:~/x} and {@code file:~/x}, and a keyring {@code ~/x}: {@code ~} is the user's home. */
  static String expandHome(String uri) {
    if (uri.startsWith("~/")) {
      return System.getProperty("user.home") + uri.substring(1);
    }
    int colon = uri.indexOf(':');
    if (colon > 0 && uri.startsWith("~/", colon + 1)) {
      return uri.substring(0, colon + 1) + System.getProperty("user.home") + uri.substring(colon + 2);
    }
    return uri;
  }

  /** The store encrypted with {@code tokenstore.keyring}, when it is set and tokenstore-crypto is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.tokenstore.crypto.EncryptedTokenStore")
  @ConditionalOnProperty("tokenstore.keyring")
  static class EncryptedStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean
    KeyProvider tokenstoreKeyProvider(TokenstoreProperties properties) {
      String spec = properties.getKeyring();
      return KeyProviders.parse(spec == null ? "" : expandHome(spec.strip()), System.getenv());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TokenStore tokenStore(TokenstoreProperties properties, KeyProvider keys) {
      String uri = storeUri(properties);
      LOG.info("tokenstore: store " + StoreUris.mask(uri) + ", encrypted with keys from " + keys.description());
      return EncryptedTokenStore.open(uri, keys);
    }
  }

  /** The plain store (no keyring); exclusive with {@link EncryptedStoreConfiguration}, whatever the order. */
  @Configuration(proxyBeanMethods = false)
  @Conditional(PlainStoreCondition.class)
  static class PlainStoreConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TokenStore tokenStore(TokenstoreProperties properties) {
      String keyring = properties.getKeyring();
      if (keyring != null) {
        throw new IllegalStateException("tokenstore.keyring is set, but dev.tokenstore:tokenstore-crypto is not on "
            + "the class path: add it to encrypt the store, or remove tokenstore.keyring.");
      }
      String uri = storeUri(properties);
      LOG.info("tokenstore: store " + StoreUris.mask(uri));
      return TokenStores.open(uri);
    }
  }

  /** The token managers of the registrations, with the properties, customizers and listeners. */
  static RegistrationTokenManagers registrationTokenManagers(TokenStore store,
      ClientRegistrationRepository registrations, TokenstoreProperties properties,
      ObjectProvider<TokenManagerCustomizer> customizers, ObjectProvider<TokenEventListener> listeners) {
    RegistrationTokenManagers.Builder b = RegistrationTokenManagers.builder(store, registrations)
        .environments(r -> {
          TokenstoreProperties.Registration settings = properties.registration(r.getRegistrationId());
          return settings.isEnabled()
              ? RegistrationEnvironments.of(r, settings.getApiDomain(), settings.getZohoKind())
              : Optional.empty();
        })
        .recheckStoreAfter(properties.getRecheckStoreAfter());
    List<TokenEventListener> all = listeners.orderedStream().toList();
    b.customizer((id, builder) -> {
      builder.refreshWindow(properties.getRefreshWindow())
          .leaseTime(properties.getLeaseTime())
          .requestTimeout(properties.getRequestTimeout());
      if (!all.isEmpty()) {
        builder.listener(event -> all.forEach(l -> {
          try {
            l.onEvent(event);
          } catch (RuntimeException e) { // one failing listener does not keep the event from the others
            LOG.warn("tokenstore: the event listener " + l.getClass().getName() + " failed on " + event.type()
                + " (" + e.getClass().getName() + ")");
          }
        }));
      }
    });
    customizers.orderedStream().forEach(b::customizer);
    RegistrationTokenManagers managers = b.build();
    List<String> served = managers.buildAll();
    LOG.info("tokenstore: token managers for the client registrations " + served);
    return managers;
  }

  /** tokenstore behind Spring Security's OAuth2 client (servlet and non-web applications). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ClientRegistrationRepository.class, OAuth2AuthorizedClientService.class})
  @Conditional({NotReactiveWebApplication.class, ClientRegistrationsCondition.class})
  static class OAuth2ClientConfiguration {

    @Bean(destroyMethod = "saveUnsaved") // before the store closes: the managers depend on it
    @ConditionalOnMissingBean
    RegistrationTokenManagers registrationTokenManagers(TokenStore store, ClientRegistrationRepository registrations,
        TokenstoreProperties properties, ObjectProvider<TokenManagerCustomizer> customizers,
        ObjectProvider<TokenEventListener> listeners) {
      return TokenstoreAutoConfiguration.registrationTokenManagers(store, registrations, properties, customizers,
          listeners);
    }

    @Bean
    @ConditionalOnMissingBean(OAuth2AuthorizedClientService.class)
    TokenStoreOAuth2AuthorizedClientService tokenstoreAuthorizedClientService(RegistrationTokenManagers managers) {
      return new TokenStoreOAuth2AuthorizedClientService(managers);
    }

    @Bean
    @ConditionalOnMissingBean(OAuth2AuthorizedClientManager.class)
    @ConditionalOnBean(TokenStoreOAuth2AuthorizedClientService.class)
    TokenstoreAuthorizedClientManager tokenstoreAuthorizedClientManager(RegistrationTokenManagers managers,
        ClientRegistrationRepository registrations, OAuth2AuthorizedClientService service) {
      // Spring Security's own providers for the registrations tokenstore does not serve
      AuthorizedClientServiceOAuth2AuthorizedClientManager fallback =
          new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, service);
      fallback.setAuthorizedClientProvider(OAuth2AuthorizedClientProviderBuilder.builder()
          .authorizationCode().refreshToken().clientCredentials().build());
      return new TokenstoreAuthorizedClientManager(managers, fallback);
    }
  }

  /** tokenstore behind Spring Security's reactive OAuth2 client (WebFlux applications). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"reactor.core.publisher.Mono",
      "org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository"})
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @Conditional(ReactiveClientRegistrationsCondition.class)
  static class ReactiveOAuth2ClientConfiguration {

    @Bean(destroyMethod = "saveUnsaved") // before the store closes: the managers depend on it
    @ConditionalOnMissingBean
    RegistrationTokenManagers registrationTokenManagers(TokenStore store,
        ReactiveClientRegistrationRepository registrations, TokenstoreProperties properties,
        ObjectProvider<TokenManagerCustomizer> customizers, ObjectProvider<TokenEventListener> listeners) {
      return TokenstoreAutoConfiguration.registrationTokenManagers(store, ReactiveRegistrations.of(registrations),
          properties, customizers, listeners);
    }

    @Bean
    @ConditionalOnMissingBean(ReactiveOAuth2AuthorizedClientService.class)
    TokenStoreReactiveOAuth2AuthorizedClientService tokenstoreReactiveAuthorizedClientService(
        RegistrationTokenManagers managers) {
      return new TokenStoreReactiveOAuth2AuthorizedClientService(managers);
    }

    @Bean
    @ConditionalOnMissingBean(ReactiveOAuth2AuthorizedClientManager.class)
    @ConditionalOnBean(TokenStoreReactiveOAuth2AuthorizedClientService.class)
    TokenstoreReactiveAuthorizedClientManager tokenstoreReactiveAuthorizedClientManager(
        RegistrationTokenManagers managers, ReactiveClientRegistrationRepository registrations,
        ReactiveOAuth2AuthorizedClientService service) {
      AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager fallback =
          new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, service);
      fallback.setAuthorizedClientProvider(ReactiveOAuth2AuthorizedClientProviderBuilder.builder()
          .authorizationCode().refreshToken().clientCredentials().build());
      return new TokenstoreReactiveAuthorizedClientManager(managers, fallback);
    }
  }

  /** Remembers the records whose refresh token the server refused (for the health indicator). */
  @Bean
  @ConditionalOnMissingBean
  ReauthorizationTracker tokenstoreReauthorizationTracker(TokenStore store) {
    return new ReauthorizationTracker(store);
  }

  /** Micrometer meters of every registration's token manager. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
  static class MetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TokenManagerMeterBinder tokenstoreMeterBinder(ObjectProvider<RegistrationTokenManagers> managers) {
      return new TokenManagerMeterBinder(() -> {
        RegistrationTokenManagers m = managers.getIfAvailable();
        return m == null ? Map.of() : m.managers();
      });
    }

    @Bean
    @ConditionalOnMissingBean
    RefreshTimer tokenstoreRefreshTimer() {
      return new RefreshTimer();
    }
  }

  /** No keyring, or no tokenstore-crypto (then the plain store's bean method reports the missing module). */
  static class PlainStoreCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      boolean keyring = context.getEnvironment().containsProperty("tokenstore.keyring");
      boolean crypto = org.springframework.util.ClassUtils.isPresent("dev.tokenstore.crypto.EncryptedTokenStore",
          context.getClassLoader());
      return keyring && crypto ? ConditionOutcome.noMatch("tokenstore.keyring is set: the store is encrypted")
          : ConditionOutcome.match(keyring ? "tokenstore.keyring is set, but tokenstore-crypto is missing"
              : "no tokenstore.keyring");
    }
  }

  /** Not a reactive web application (a servlet or non-web one), as for Spring Boot's own OAuth2 client beans. */
  static class NotReactiveWebApplication extends NoneNestedConditions {
    NotReactiveWebApplication() {
      super(ConfigurationPhase.PARSE_CONFIGURATION);
    }

    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    static class Reactive {}
  }

  /**
   * Reactive client registrations exist: a {@link ReactiveClientRegistrationRepository} bean of the application, or
   * {@code spring.security.oauth2.client.registration.*} properties.
   */
  static class ReactiveClientRegistrationsCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      var beanFactory = context.getBeanFactory();
      if (beanFactory != null
          && beanFactory.getBeanNamesForType(ReactiveClientRegistrationRepository.class, true, false).length > 0) {
        return ConditionOutcome.match("a ReactiveClientRegistrationRepository bean");
      }
      return registrationProperties(context);
    }
  }

  static ConditionOutcome registrationProperties(ConditionContext context) {
    Map<String, String> registrations = Binder.get(context.getEnvironment())
        .bind("spring.security.oauth2.client.registration", Bindable.mapOf(String.class, String.class))
        .orElse(Map.of());
    return registrations.isEmpty()
        ? ConditionOutcome.noMatch("no client registration (spring.security.oauth2.client.registration.*)")
        : ConditionOutcome.match("client registrations in spring.security.oauth2.client.registration.*");
  }

  /**
   * Client registrations exist: a {@link ClientRegistrationRepository} bean of the application, or
   * {@code spring.security.oauth2.client.registration.*} properties (from which Spring Boot makes one, after this
   * auto-configuration).
   */
  static class ClientRegistrationsCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      var beanFactory = context.getBeanFactory();
      if (beanFactory != null
          && beanFactory.getBeanNamesForType(ClientRegistrationRepository.class, true, false).length > 0) {
        return ConditionOutcome.match("a ClientRegistrationRepository bean");
      }
      return registrationProperties(context);
    }
  }
}
