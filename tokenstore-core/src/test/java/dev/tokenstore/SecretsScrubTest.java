package dev.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link Secrets#scrub}: every form a secret takes in a request or a reply, and the short-secret rule. */
class SecretsScrubTest {
  private static final String RT = "1000.rt+SECRET/part=0123456789abcdef";

  private static String scrub(String text, String... secrets) {
    return Secrets.scrub(text, List.of(secrets)).orElseThrow();
  }

  private static void assertNoRunOf(String scrubbed, String secret) {
    String lower = scrubbed.toLowerCase(Locale.ROOT);
    String s = secret.toLowerCase(Locale.ROOT);
    for (int i = 0; i + Secrets.MIN_RUN <= s.length(); i++) {
      assertThat(lower).as("run at %d", i).doesNotContain(s.substring(i, i + Secrets.MIN_RUN));
    }
  }

  @Test
  void removesEveryEncodingOfTheSecret() {
    String urlUpper = URLEncoder.encode(RT, StandardCharsets.UTF_8); // 1000.rt%2BSECRET%2Fpart%3D...
    assertThat(urlUpper).contains("%2B", "%2F", "%3D");
    String urlLower = urlUpper.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d");
    String plusKept = RT.replace("/", "%2F").replace("=", "%3D"); // '+' left as is
    String plusAsSpace = RT.replace("+", " "); // a server that form-decoded a raw '+'
    String json = RT.replace("/", "\\/").replace("+", "\\u002B");
    for (String form : List.of(RT, urlUpper, urlLower, plusKept, plusAsSpace, json, RT.toUpperCase(Locale.ROOT),
        urlUpper.toLowerCase(Locale.ROOT))) {
      String out = scrub("invalid request: refresh_token=" + form + "&grant_type=refresh_token", RT);
      assertThat(out).as(form).isEqualTo("invalid request: refresh_token=<redacted>&grant_type=refresh_token");
    }
  }

  @Test
  void removesEveryRunOfEightCharactersSoTruncatedEchoesGoToo() {
    String truncated = URLEncoder.encode(RT, StandardCharsets.UTF_8).substring(0, 20) + "...";
    assertThat(scrub("bad token " + truncated, RT)).isEqualTo("bad token <redacted>...");
    assertThat(scrub("ends with " + RT.substring(RT.length() - 8), RT)).isEqualTo("ends with <redacted>");
    assertThat(scrub("middle " + RT.substring(10, 22) + " x", RT)).isEqualTo("middle <redacted> x");
    // Seven characters are not a run: ordinary words that share a few letters with the secret stay.
    assertThat(scrub("SECRET/ part 0123456", RT)).isEqualTo("SECRET/ part 0123456");
    assertNoRunOf(scrub("a " + RT.substring(3) + " b " + RT.substring(0, 9), RT), RT);
  }

  /**
   * Found by fuzzing: a backslash right before a URL-encoded echo read as the JSON escape {@code \f} took the
   * echo's first letter, and neither the raw nor the fully decoded reading held eight characters of the secret.
   */
  @Test
  void aBackslashBeforeAUrlEncodedEchoIsNotTakenForAJsonEscape() {
    String secret = "cs+Fz9/kQ3x=Lm2Vb7Np";
    String echo = "bad \\fz9%2fkq3xbttp";
    assertThat(Secrets.scrub(echo, List.of(secret))).hasValueSatisfying(t ->
        assertThat(t.toLowerCase(java.util.Locale.ROOT)).doesNotContain("fz9%2fkq3x"));
  }

  /** Found by fuzzing: {@code %fc} before an encoded echo decoded as one byte and took the echo's first letter. */
  @Test
  void aPercentSignBeforeAUrlEncodedEchoDoesNotHideIt() {
    String secret = "cs+Fz9/kQ3x=Lm2Vb7Np";
    assertThat(Secrets.scrub("7?_%fcs%2bfz9%2fknyz", List.of(secret))).hasValueSatisfying(t ->
        assertThat(t.toLowerCase(java.util.Locale.ROOT)).doesNotContain("cs%2bfz9%2fk"));
  }

  @Test
  void aSecretTooShortToSearchForWithholdsTheWholeText() {
    assertThat(Secrets.scrub("invalid_client: secret s was wrong", List.of(RT, "s"))).isEmpty();
    assertThat(Secrets.scrub("anything", List.of("1234567"))).isEmpty();
    assertThat(Secrets.scrub("the 12345678 here", List.of("12345678"))).hasValue("the <redacted> here");
    assertThat(Secrets.scrub("nothing secret", List.of("", RT))).hasValue("nothing secret");
    assertThat(Secrets.scrub("nothing secret", List.of())).hasValue("nothing secret");
  }

  @Test
  void nonAsciiSecretsAreFoundEncodedToo() {
    String secret = "geheim-Schlüssel-ÄÖÜ-42";
    String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
    assertThat(scrub("x=" + encoded + ";", secret)).isEqualTo("x=<redacted>;");
    assertThat(scrub("x=" + secret + ";", secret)).isEqualTo("x=<redacted>;");
  }
}
