package dev.tokenstore.spring.autoconfigure;

import dev.tokenstore.TokenStore;
import dev.tokenstore.spring.ReauthorizationTracker;
import dev.tokenstore.spring.RegistrationTokenManagers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code tokenstore} health indicator ({@link TokenStoreHealthIndicator}) when Spring Boot's health support
 * (Actuator) is present; off with {@code management.health.tokenstore.enabled=false}. Spring Boot 3 variant
 * (Spring Boot 4 moved the health API to other packages). Not thread-safe itself (Spring calls it once).
 */
@AutoConfiguration(after = TokenstoreAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnBean(TokenStore.class)
@ConditionalOnEnabledHealthIndicator("tokenstore")
public class TokenstoreHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "tokenstoreHealthIndicator")
  TokenStoreHealthIndicator tokenstoreHealthIndicator(TokenStore store,
      ObjectProvider<RegistrationTokenManagers> managers, ObjectProvider<ReauthorizationTracker> reauthorizations) {
    return new TokenStoreHealthIndicator(store, TokenStoreHealthIndicator.of(managers),
        reauthorizations.getIfAvailable());
  }
}
