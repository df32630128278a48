package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.TokenStore;
import dev.tokenstore.spring.autoconfigure.TokenstoreHealthAutoConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/** The {@code tokenstore} health indicator in a real application context (Spring Boot 4's health API). */
class HealthIndicatorTest {

  @Test
  void healthIsUpWhileTheStoreAnswersAndDownWhenItDoesNot() {
    TokenstoreAutoConfigurationTest.runner().withConfiguration(AutoConfigurations.of(TokenstoreHealthAutoConfiguration.class))
        .withPropertyValues(TokenstoreAutoConfigurationTest.registrations()).run(c -> {
          assertThat(c).hasNotFailed();
          HealthIndicator health = c.getBean("tokenstoreHealthIndicator", HealthIndicator.class);
          Health up = health.health();
          assertThat(up.getStatus()).isEqualTo(Status.UP);
          assertThat(up.getDetails()).containsKey("store").containsEntry("unsavedTokens.acme", 0)
              .containsEntry("reauthorizationRequired", List.of());
          c.getBean(TokenStore.class).close();
          Health down = health.health();
          assertThat(down.getStatus()).isEqualTo(Status.DOWN);
          assertThat(down.getDetails().toString()).contains("StoreException", "closed").doesNotContain("SECRET");
        });
    TokenstoreAutoConfigurationTest.runner().withConfiguration(AutoConfigurations.of(TokenstoreHealthAutoConfiguration.class))
        .withPropertyValues("management.health.tokenstore.enabled=false")
        .run(c -> assertThat(c).doesNotHaveBean("tokenstoreHealthIndicator"));
  }

}
