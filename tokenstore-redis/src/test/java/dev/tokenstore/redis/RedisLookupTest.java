package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.redis.RedisTokenStore.Lookup;
import dev.tokenstore.spi.TokenKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The translation of TokenKey (the one home of the matching rules) into the scripts' lookups. */
class RedisLookupTest {
  private static Lookup lookup(OAuthToken.Builder query) {
    return RedisTokenStore.lookupOf(TokenKey.of(query.build()));
  }

  @Test
  void eachRuleBecomesAnIndexAndTheFieldsThatMustBeEqual() {
    assertThat(lookup(OAuthToken.builder().id("7").userName("u")))
        .isEqualTo(new Lookup("id", "7", List.of("id", "7")));
    assertThat(lookup(OAuthToken.builder().userName("u")))
        .isEqualTo(new Lookup("user", "u", List.of("user_name", "u")));
    assertThat(lookup(OAuthToken.builder().userName("u").clientId("c").apiDomain("d")))
        .isEqualTo(new Lookup("user", "u", List.of("user_name", "u", "client_id", "c", "api_domain", "d")));
    assertThat(lookup(OAuthToken.builder().accessToken("a").refreshToken("r")))
        .isEqualTo(new Lookup("access", "a", List.of("access_token", "a")));
    assertThat(lookup(OAuthToken.builder().accessToken("a").clientId("c").grantToken("g")))
        .isEqualTo(new Lookup("grant", "g", List.of("grant_token", "g")));
    assertThat(lookup(OAuthToken.builder().refreshToken("r").clientId("c")))
        .isEqualTo(new Lookup("refresh", "r", List.of("refresh_token", "r", "client_id", "c")));
    assertThat(lookup(OAuthToken.builder().clientId("c").clientSecret("s")))
        .isEqualTo(new Lookup("none", "", List.of()));
  }
}
