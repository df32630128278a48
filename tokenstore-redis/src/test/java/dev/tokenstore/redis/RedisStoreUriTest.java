package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of redis:// and rediss:// URIs; errors mask the password. */
class RedisStoreUriTest {

  @Test
  void fullUri() {
    RedisSettings s = RedisSettings.parse("rediss://app%40corp:p%40ss%3Aw+rd@redis.example.com:6380/3?prefix=tenant-7&timeout=500");
    assertThat(s.tls).isTrue();
    assertThat(s.host).isEqualTo("redis.example.com");
    assertThat(s.port).isEqualTo(6380);
    assertThat(s.database).isEqualTo(3);
    assertThat(s.user).isEqualTo("app@corp");
    assertThat(s.password).isEqualTo("p@ss:w+rd");
    assertThat(s.prefix).isEqualTo("tenant-7");
    assertThat(s.timeoutMillis).isEqualTo(500);
    assertThat(s.toString()).doesNotContain("p%40ss").contains("***");
  }

  @Test
  void defaults() {
    RedisSettings s = RedisSettings.parse("redis://localhost");
    assertThat(s.tls).isFalse();
    assertThat(s.port).isEqualTo(6379);
    assertThat(s.database).isZero();
    assertThat(s.user).isNull();
    assertThat(s.password).isNull();
    assertThat(s.prefix).isEqualTo("tokenstore");
    assertThat(s.timeoutMillis).isEqualTo(2000);
  }

  @Test
  void passwordOnlyAndIpv6() {
    RedisSettings s = RedisSettings.parse("redis://:secret@[::1]:7000/0");
    assertThat(s.user).isNull();
    assertThat(s.password).isEqualTo("secret");
    assertThat(s.host).isEqualTo("::1");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "redis://:topsecret@localhost/0?prefix=has{brace}",
      "redis://:topsecret@localhost/0?prefix=",
      "redis://:topsecret@localhost/0?prefix=with%20space",
      "redis://:topsecret@localhost/x",
      "redis://:topsecret@localhost/0?timeout=0",
      "redis://:topsecret@localhost/0?timeout=soon",
      "redis://:topsecret@localhost/0?prefx=typo",
      "redis://:topsecret@/0",
      "redis://topsecret@localhost/0",
      "redis://:topsecret@local host/0",
      "redis://localhost/0?x//u:topsecret@y=1"}) // a parameter name that reads as a user info
  void malformedUrisAreRejectedWithTheSecretMasked(String uri) {
    assertThatThrownBy(() -> TokenStores.open(uri))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_STORE_URI))
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void usingRejectsAPrefixThatWouldBreakTheHashTag() {
    try (redis.clients.jedis.RedisClient client = redis.clients.jedis.RedisClient.create("127.0.0.1", 1)) {
      assertThatThrownBy(() -> RedisTokenStore.using(client, "a}b"))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
          .hasMessageContaining("hash tag");
    }
  }

  @Test
  void bothSchemesOpenARedisStoreThroughTheServiceLoader() {
    try (TokenStore plain = TokenStores.open("redis://127.0.0.1:1/0?prefix=a");
        TokenStore tls = TokenStores.open("rediss://127.0.0.1:1/0?prefix=b")) {
      assertThat(plain.capability(RedisTokenStore.class)).isPresent();
      assertThat(tls.capability(RedisTokenStore.class)).hasValueSatisfying(r -> assertThat(r.prefix()).isEqualTo("b"));
    }
  }
}
