package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenEndpointClientTest {

  @Test
  void parseFlatReadsTopLevelScalarsOnly() {
    Map<String, String> m = TokenReplies.parseFlat(
        "{\"access_token\":\"a\",\"expires_in\":3600,\"nested\":{\"x\":1},\"list\":[1,2],\"n\":null,\"b\":true}");
    assertThat(m).containsExactlyInAnyOrderEntriesOf(Map.of("access_token", "a", "expires_in", "3600", "b", "true"));
    assertThat(TokenReplies.parseFlat("{\"a\":1")).isNull();
    assertThat(TokenReplies.parseFlat("[1]")).isNull();
    assertThat(TokenReplies.parseFlat("<html>")).isNull();
    assertThat(TokenReplies.parseFlat("{} trailing")).isNull();
    assertThat(TokenReplies.parseFlat("")).isNull();
  }

  @Test
  void firstUserEmail() throws IOException {
    assertThat(TokenReplies.firstUserEmail(
        "{\"info\":{\"count\":1},\"users\":[{\"id\":\"1\",\"profile\":{\"name\":\"x\"},\"email\":\"a@b.c\"}]}"))
        .isEqualTo("a@b.c");
    assertThat(TokenReplies.firstUserEmail("{\"users\":[]}")).isNull();
  }

  @Test
  void cleanRemovesSecretsAndControlCharacters() {
    assertThat(TokenReplies.clean("bad token tok-12345\n and more", List.of("tok-12345")))
        .isEqualTo("bad token <redacted>? and more");
    // A secret shorter than 8 characters is not searched for: the whole text is withheld.
    assertThat(TokenReplies.clean("bad token tok-123", List.of("tok-123"))).isEqualTo("<withheld>");
    assertThat(TokenReplies.clean("x".repeat(500), List.of())).hasSize(100);
  }

  @Test
  void tokenReplyDescriptionHidesTokens() {
    String d = new TokenEndpointClient.TokenReply("at-SECRET", "rt-SECRET", Duration.ofHours(1), "https://a").toString();
    assertThat(d).doesNotContain("SECRET").contains("https://a");
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void expiresInWithAHugeNegativeExponentIsReadAtOnce() {
    // BigDecimal.setScale took minutes to round 1e-99999999 seconds to milliseconds.
    TokenEndpointClient client = new TokenEndpointClient(new TokenReplyFuzzTest.CannedHttpClient(
        TokenReplyFuzzTest.CannedReply.of(
            "{\"access_token\":\"1000.at.ok\",\"expires_in\":1e-99999999}".getBytes(StandardCharsets.UTF_8))),
        Duration.ofSeconds(5));
    Environment env = Environment.custom("test", "https://login.example.com/token");
    // (read at once, and under a second: a token that would expire as it is issued is a protocol error)
    OAuthException e = org.assertj.core.api.Assertions.catchThrowableOfType(OAuthException.class,
        () -> client.refresh(env, "client", null, "1000.rt.token"));
    assertThat(e.code()).isEqualTo(dev.tokenstore.ErrorCode.PROTOCOL_ERROR);
    assertThat(e.getMessage()).contains("less than one second");
  }
}
