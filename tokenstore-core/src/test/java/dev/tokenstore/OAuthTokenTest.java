package dev.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OAuthTokenTest {
  private static final OAuthToken FULL = OAuthToken.builder()
      .id("7")
      .userName("alice@example.com")
      .clientId("1000.CLIENTID")
      .clientSecret("client-secret-value-123")
      .refreshToken("1000.refresh-token-value")
      .accessToken("1000.access-token-value")
      .grantToken("1000.grant-token-value")
      .expiresAt(Instant.ofEpochMilli(1_700_000_000_123L))
      .redirectUrl("https://app.example.com/cb")
      .apiDomain("https://www.zohoapis.com")
      .build();

  @Test
  void toStringShowsNoSecretButTellsSecretsApart() {
    String s = FULL.toString();
    assertThat(s)
        .contains("id=7", "userName=alice@example.com", "clientId=1000.CLIENTID", "apiDomain=https://www.zohoapis.com")
        .doesNotContain("client-secret-value-123", "refresh-token-value", "access-token-value", "grant-token-value")
        .contains("clientSecret=<redacted:", "refreshToken=<redacted:", "accessToken=<redacted:", "grantToken=<redacted:");
    String other = FULL.toBuilder().refreshToken("another").build().toString();
    assertThat(other).isNotEqualTo(s);
  }

  @Test
  void toStringLeavesOutUnsetFields() {
    assertThat(OAuthToken.builder().build().toString()).isEqualTo("OAuthToken{}");
    assertThat(OAuthToken.builder().id("1").build().toString()).isEqualTo("OAuthToken{id=1}");
  }

  @Test
  void equalityIsByValueOverAllFields() {
    OAuthToken copy = FULL.toBuilder().build();
    assertThat(copy).isEqualTo(FULL).hasSameHashCodeAs(FULL).isNotSameAs(FULL);
    assertThat(FULL.toBuilder().apiDomain("https://www.zohoapis.eu").build()).isNotEqualTo(FULL);
    assertThat(FULL.toBuilder().expiresAt(null).build()).isNotEqualTo(FULL);
  }

  @Test
  void emptyStringsMeanNullAsInZohosStores() {
    OAuthToken t = OAuthToken.builder().userName("").clientId("").refreshToken("").build();
    assertThat(t).isEqualTo(OAuthToken.builder().build());
    assertThat(t.userName()).isNull();
  }

  @Test
  void expiryIsKeptToTheMillisecond() {
    OAuthToken t = OAuthToken.builder().expiresAt(Instant.parse("2030-01-01T00:00:00.123456789Z")).build();
    assertThat(t.expiresAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00.123Z"));
  }

  @Test
  void builderCopiesAreIndependent() {
    OAuthToken.Builder b = FULL.toBuilder();
    b.accessToken("changed");
    assertThat(FULL.accessToken()).isEqualTo("1000.access-token-value");
    assertThat(b.build().accessToken()).isEqualTo("changed");
  }

  @Test
  void expiryCheckUsesTheMargin() {
    Instant now = Instant.ofEpochMilli(1_700_000_000_000L);
    OAuthToken t = OAuthToken.builder().accessToken("a").expiresAt(now.plusSeconds(60)).build();
    assertThat(t.isExpired(now, Duration.ZERO)).isFalse();
    assertThat(t.isExpired(now, Duration.ofSeconds(60))).isTrue();
    assertThat(t.isExpired(now.plusSeconds(61), Duration.ZERO)).isTrue();
    assertThat(OAuthToken.builder().refreshToken("r").build().isExpired(now, Duration.ZERO)).isTrue();
    assertThat(OAuthToken.builder().accessToken("a").build().isExpired(now, Duration.ZERO)).isFalse();
  }
}
