package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.emulator.AccountsEmulator;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real replies of a server (the emulator) that quotes the request it got in its error reply: the refresh token and
 * the client secret never reach a message, whatever form the quote takes.
 */
class EchoedSecretsTest {
  private static final String RT = "1000.rt+SECRET/part=0123456789abcdef";
  private static final String CLIENT_SECRET = "client+SECRET/value=42";

  private final AccountsEmulator zoho = AccountsEmulator.builder().start();
  private final TokenEndpointClient client =
      new TokenEndpointClient(HttpClient.newHttpClient(), Duration.ofSeconds(10));

  @AfterEach
  void close() {
    zoho.close();
  }

  private Environment env() {
    return Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain());
  }

  private static String json(String error) {
    return "{\"error\":\"" + error.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
  }

  private OAuthException refreshAgainst(String clientSecret, int status, UnaryOperator<String> reply) {
    zoho.faults().echo(status, reply);
    return catchThrowableOfType(OAuthException.class,
        () -> client.refresh(env(), "1000.CLIENT", clientSecret, RT));
  }

  private static void assertNoSecretIn(OAuthException e) {
    String all = (e.getMessage() + " " + e.serverError().orElse("")).toLowerCase(Locale.ROOT);
    for (String secret : new String[] {RT, CLIENT_SECRET}) {
      String s = secret.toLowerCase(Locale.ROOT);
      for (int i = 0; i + 8 <= s.length(); i++) {
        assertThat(all).as("a run of the secret at %d", i).doesNotContain(s.substring(i, i + 8));
      }
    }
    assertThat(all).doesNotContain("secret%2f", "rt%2bsecret", "secret\\/");
  }

  @Test
  void theRequestEchoedAsSentIsRedacted() {
    OAuthException e = refreshAgainst(CLIENT_SECRET, 400, req -> json("invalid_request: " + req));
    assertThat(e.getMessage()).contains("<redacted>", "grant_type=refresh_token");
    assertNoSecretIn(e);
  }

  @Test
  void lowerCaseHexUpperCasedDecodedAndTruncatedEchoesAreRedacted() {
    for (UnaryOperator<String> quote : java.util.List.<UnaryOperator<String>>of(
        req -> req.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d"),
        req -> req.toUpperCase(Locale.ROOT),
        req -> URLDecoder.decode(req, StandardCharsets.UTF_8),
        req -> req.replace("%2B", "+"),
        req -> req.substring(req.indexOf("refresh_token="), req.indexOf("refresh_token=") + 30) + "...")) {
      OAuthException e = refreshAgainst(CLIENT_SECRET, 400, req -> json("bad: " + quote.apply(req)));
      assertThat(e.getMessage()).contains("<redacted>");
      assertNoSecretIn(e);
    }
  }

  @Test
  void aThrottlingReplyThatQuotesTheRequestInItsDescriptionIsRedacted() {
    OAuthException e = refreshAgainst(CLIENT_SECRET, 429,
        req -> "{\"error\":\"too_many_requests\",\"error_description\":\"slow down, " + req + "\"}");
    assertThat(e.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(e.getMessage()).contains("<redacted>");
    assertNoSecretIn(e);
  }

  @Test
  void aOneCharacterClientSecretWithholdsTheServerTextInsteadOfRedactingEveryLetter() {
    OAuthException e = refreshAgainst("s", 400, req -> json("invalid_client"));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CLIENT); // classified from the real error value
    assertThat(e.getMessage()).contains("<withheld>").contains("Check the client id, client secret")
        .doesNotContain("<redacted>");
    assertThat(e.getMessage()).contains("the server rejected the client"); // its letters 's' are all there
  }
}
