package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import org.junit.jupiter.api.Test;

/** The matching rules of the seed, one test per rule and per boundary between rules. */
class TokenKeyTest {
  private static OAuthToken.Builder q() {
    return OAuthToken.builder();
  }

  @Test
  void rule1IdWins() {
    assertThat(TokenKey.of(q().id("5").userName("u").accessToken("a").build())).isEqualTo(new TokenKey.ById("5"));
  }

  @Test
  void rule2UserWithClientAndDomain() {
    assertThat(TokenKey.of(q().userName("u").clientId("c").apiDomain("d").refreshToken("r").build()))
        .isEqualTo(new TokenKey.ByUser("u", "c", "d"));
    assertThat(TokenKey.of(q().userName("u").build())).isEqualTo(new TokenKey.ByUser("u", null, null));
  }

  @Test
  void rule3AccessTokenOnlyWithoutClientCredentials() {
    assertThat(TokenKey.of(q().accessToken("a").refreshToken("r").build()))
        .isEqualTo(new TokenKey.ByAccessToken("a"));
    assertThat(TokenKey.of(q().accessToken("a").clientId("c").refreshToken("r").build()))
        .isEqualTo(new TokenKey.ByRefreshToken("r", "c"));
    assertThat(TokenKey.of(q().accessToken("a").clientSecret("s").build())).isEqualTo(TokenKey.None.INSTANCE);
  }

  @Test
  void rule4GrantBeforeRefresh() {
    assertThat(TokenKey.of(q().grantToken("g").refreshToken("r").clientId("c").build()))
        .isEqualTo(new TokenKey.ByGrantToken("g"));
  }

  @Test
  void rule5RefreshWithOptionalClient() {
    assertThat(TokenKey.of(q().refreshToken("r").build())).isEqualTo(new TokenKey.ByRefreshToken("r", null));
  }

  @Test
  void rule6Nothing() {
    assertThat(TokenKey.of(q().clientId("c").clientSecret("s").apiDomain("d").build()))
        .isEqualTo(TokenKey.None.INSTANCE);
    assertThat(TokenKey.None.INSTANCE.matches(q().id("1").build())).isFalse();
  }

  @Test
  void matchesComparesOnlyTheFieldsTheKeyHas() {
    OAuthToken stored = q().id("1").userName("u").clientId("c").apiDomain("d").refreshToken("r").build();
    assertThat(new TokenKey.ByUser("u", null, null).matches(stored)).isTrue();
    assertThat(new TokenKey.ByUser("u", "c", null).matches(stored)).isTrue();
    assertThat(new TokenKey.ByUser("u", "other", null).matches(stored)).isFalse();
    assertThat(new TokenKey.ByUser("u", null, "other").matches(stored)).isFalse();
    assertThat(new TokenKey.ByRefreshToken("r", "c").matches(stored)).isTrue();
    assertThat(new TokenKey.ByRefreshToken("r", "x").matches(stored)).isFalse();
  }

  @Test
  void keysNeverPrintSecrets() {
    assertThat(new TokenKey.ByAccessToken("secret-access").toString()).doesNotContain("secret-access");
    assertThat(new TokenKey.ByGrantToken("secret-grant").toString()).doesNotContain("secret-grant");
    assertThat(new TokenKey.ByRefreshToken("secret-refresh", "c").toString()).doesNotContain("secret-refresh");
  }

  @Test
  void longUserNamesAreShortenedInMessages() {
    String key = new TokenKey.ByUser("x".repeat(10_000), "c", null).toString();
    assertThat(key).hasSizeLessThan(200).contains("...");
  }
}
