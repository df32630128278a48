package dev.tokenstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenEndpointClientTest {

  @Test
  void parseFlatReadsTopLevelScalarsOnly() {
    Map<String, String> m = TokenEndpointClient.parseFlat(
        "{\"access_token\":\"a\",\"expires_in\":3600,\"nested\":{\"x\":1},\"list\":[1,2],\"n\":null,\"b\":true}");
    assertThat(m).containsExactlyInAnyOrderEntriesOf(Map.of("access_token", "a", "expires_in", "3600", "b", "true"));
    assertThat(TokenEndpointClient.parseFlat("{\"a\":1")).isNull();
    assertThat(TokenEndpointClient.parseFlat("[1]")).isNull();
    assertThat(TokenEndpointClient.parseFlat("<html>")).isNull();
    assertThat(TokenEndpointClient.parseFlat("{} trailing")).isNull();
    assertThat(TokenEndpointClient.parseFlat("")).isNull();
  }

  @Test
  void firstUserEmail() throws IOException {
    assertThat(TokenEndpointClient.firstUserEmail(
        "{\"info\":{\"count\":1},\"users\":[{\"id\":\"1\",\"profile\":{\"name\":\"x\"},\"email\":\"a@b.c\"}]}"))
        .isEqualTo("a@b.c");
    assertThat(TokenEndpointClient.firstUserEmail("{\"users\":[]}")).isNull();
  }

  @Test
  void cleanRemovesSecretsAndControlCharacters() {
    assertThat(TokenEndpointClient.clean("bad token tok-123\n and more", List.of("tok-123")))
        .isEqualTo("bad token <redacted>? and more");
    assertThat(TokenEndpointClient.clean("x".repeat(500), List.of())).hasSize(100);
  }

  @Test
  void tokenReplyDescriptionHidesTokens() {
    String d = new TokenEndpointClient.TokenReply("at-SECRET", "rt-SECRET", Duration.ofHours(1), "https://a").toString();
    assertThat(d).doesNotContain("SECRET").contains("https://a");
  }

  @Test
  void inJvmLeasesAreExclusiveUntilClosedOrExpired() throws InterruptedException {
    dev.tokenstore.spi.RefreshCoordinator c = dev.tokenstore.spi.RefreshCoordinator.newInJvm();
    RefreshIdentity id = new RefreshIdentity("env", "1");
    RefreshLease first = c.tryAcquire(id, Duration.ofMinutes(1)).orElseThrow();
    assertThat(c.tryAcquire(id, Duration.ofMinutes(1))).isEmpty();
    assertThat(c.tryAcquire(new RefreshIdentity("env", "2"), Duration.ofMinutes(1))).isPresent();
    first.close();
    RefreshLease second = c.tryAcquire(id, Duration.ofMillis(1)).orElseThrow();
    assertThat(second.fence()).isGreaterThan(first.fence());
    while (second.isValid()) {
      Thread.sleep(1);
    }
    assertThat(c.tryAcquire(id, Duration.ofMinutes(1))).isPresent();
  }
}
