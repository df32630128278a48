package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoreSupportTest {
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

  private static OAuthToken token(Duration lifetime, Duration age) {
    Instant issued = NOW.minus(age);
    return OAuthToken.builder().id("1").accessToken("at").refreshToken("rt").issuedAt(issued)
        .expiresAt(issued.plus(lifetime)).build();
  }

  @Test
  void aShortLivedTokenIsExpiringOnlyPastHalfOfItsLifetime() {
    assertThat(StoreSupport.status(token(Duration.ofSeconds(30), Duration.ofSeconds(5)), NOW)).isEqualTo("valid");
    assertThat(StoreSupport.status(token(Duration.ofSeconds(30), Duration.ofSeconds(20)), NOW)).isEqualTo("expiring");
    assertThat(StoreSupport.status(token(Duration.ofSeconds(30), Duration.ofSeconds(31)), NOW)).isEqualTo("expired");
  }

  @Test
  void aLongLivedTokenIsExpiringInItsLastFiveMinutes() {
    assertThat(StoreSupport.status(token(Duration.ofHours(1), Duration.ofMinutes(50)), NOW)).isEqualTo("valid");
    assertThat(StoreSupport.status(token(Duration.ofHours(1), Duration.ofMinutes(56)), NOW)).isEqualTo("expiring");
    OAuthToken zohoWritten = OAuthToken.builder().id("2").accessToken("at").expiresAt(NOW.plusSeconds(200)).build();
    assertThat(StoreSupport.status(zohoWritten, NOW)).as("no issue time: the 5-minute window").isEqualTo("expiring");
    OAuthToken noExpiry = OAuthToken.builder().id("3").accessToken("at").build();
    assertThat(StoreSupport.status(noExpiry, NOW)).isEqualTo("valid");
  }
}
