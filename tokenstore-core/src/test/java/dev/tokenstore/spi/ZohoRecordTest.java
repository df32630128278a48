package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.OAuthToken;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZohoRecordTest {
  @Test
  void tenValuesInZohosOrderRoundTrip() {
    OAuthToken t = OAuthToken.builder().id("3").userName("u@example.com").clientId("c").clientSecret("s")
        .refreshToken("r").accessToken("a").grantToken("g").expiresAt(Instant.ofEpochMilli(1_712_345_678_901L))
        .redirectUrl("https://x/cb").apiDomain("https://www.zohoapis.com").build();
    List<String> values = ZohoRecord.toValues(t);
    assertThat(values).containsExactly("3", "u@example.com", "c", "s", "r", "a", "g", "1712345678901",
        "https://x/cb", "https://www.zohoapis.com");
    assertThat(ZohoRecord.fromValues(values)).isEqualTo(t);
  }

  @Test
  void oldNineValueRecordsAndEmptyStringsAreRead() {
    OAuthToken t = ZohoRecord.fromValues(Arrays.asList("1", "u", "", "", "r", "", "", "", ""));
    assertThat(t).isEqualTo(OAuthToken.builder().id("1").userName("u").refreshToken("r").build());
  }

  @Test
  void expiryIsEpochMillisecondsAndADecimalFormIsRead() {
    assertThat(ZohoRecord.parseExpiry("1712345678901")).isEqualTo(Instant.ofEpochMilli(1_712_345_678_901L));
    assertThat(ZohoRecord.parseExpiry("1712345678901.0")).isEqualTo(Instant.ofEpochMilli(1_712_345_678_901L));
    assertThat(ZohoRecord.parseExpiry(" ")).isNull();
    assertThatThrownBy(() -> ZohoRecord.parseExpiry("secret-looking"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("secret-looking");
    assertThatThrownBy(() -> ZohoRecord.fromValues(List.of("1", "2")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void expiryWithAHugeExponentIsRefusedOrTruncatedAtOnce() {
    // BigDecimal.setScale took minutes for these (a 100-million-digit power of ten).
    assertThatThrownBy(() -> ZohoRecord.parseExpiry("1e99999999")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ZohoRecord.parseExpiry("-1e99999999")).isInstanceOf(IllegalArgumentException.class);
    assertThat(ZohoRecord.parseExpiry("1e-99999999")).isEqualTo(Instant.EPOCH);
    assertThat(ZohoRecord.parseExpiry("17356896000000000e-4")).isEqualTo(Instant.ofEpochMilli(1735689600000L));
    assertThat(ZohoRecord.parseExpiry("9223372036854775807.9")).isEqualTo(Instant.ofEpochMilli(Long.MAX_VALUE));
    assertThatThrownBy(() -> ZohoRecord.parseExpiry("9223372036854775808"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
