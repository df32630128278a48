package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.file.FileTokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP 200 token replies that are not a valid token (blank tokens, impossible lifetimes, a bad API domain) are a
 * {@link ErrorCode#PROTOCOL_ERROR} for refresh, exchange and import alike, and leave the token file byte for byte as
 * it was. Against the accounts emulator (its scripted replies) and a real file store.
 */
class BrokenTokenReplyTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String CLIENT_ID = "1000.CLIENTID";
  private static final String CLIENT_SECRET = "cs-SECRET-0f9e8d7c6b5a";
  private static final String SCOPE = "ZohoCRM.modules.ALL";
  private static final String ADA = "ada@example.com";

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private AccountsEmulator zoho;
  private FileTokenStore store;
  private Path file;

  @BeforeEach
  void setUp() {
    zoho = AccountsEmulator.builder().user(ADA).clock(clock).tokenSuffix("-SECRET")
        .registerClient(CLIENT_ID, CLIENT_SECRET).start();
    file = dir.resolve("sdk_tokens.txt");
    store = FileTokenStore.open(file);
  }

  @AfterEach
  void tearDown() {
    store.close();
    zoho.close();
  }

  /** A reply body the server sends with HTTP 200, and the words the error must name. */
  static Stream<Arguments> brokenReplies() {
    String rt = "\"refresh_token\":\"1000.rt-new-SECRET\"";
    return Stream.of(
        Arguments.of("{\"access_token\":\"\",\"expires_in\":3600}", "access_token", "empty"),
        Arguments.of("{\"access_token\":\"   \",\"expires_in\":3600}", "access_token", "blank"),
        Arguments.of("{\"access_token\":\" 1000.at-SECRET\",\"expires_in\":3600}", "access_token", "spaces"),
        Arguments.of("{\"access_token\":\"1000.at\\n-SECRET\",\"expires_in\":3600}", "access_token", "ASCII"),
        Arguments.of("{\"access_token\":\"1000.at-\u00e9-SECRET\",\"expires_in\":3600}", "access_token", "ASCII"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":1e300}", "expires_in", "3650 days"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":\"Infinity\"}", "expires_in",
            "not a number"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":\"NaN\"}", "expires_in", "not a number"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":-1}", "expires_in", "negative"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":0}", "expires_in", "less than one second"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":0.5}", "expires_in",
            "less than one second"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":\"soon\"}", "expires_in", "not a number"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":true}", "expires_in", "not a number"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":315360001}", "expires_in", "3650 days"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":9223372036854775807}", "expires_in",
            "3650 days"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"expires_in\":3600000,\"expires_in_sec\":\"NaN\"}",
            "expires_in_sec", "not a number"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"refresh_token\":\"\",\"expires_in\":3600}",
            "refresh_token", "empty"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\",\"refresh_token\":\"  \",\"expires_in\":3600}",
            "refresh_token", "blank"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\"," + rt + ",\"expires_in\":3600,\"api_domain\":\"\"}",
            "api_domain", "http(s) URL"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\"," + rt + ",\"api_domain\":\"ftp://www.zohoapis.com\"}",
            "api_domain", "http(s) URL"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\"," + rt + ",\"api_domain\":\"www.zohoapis.com\"}",
            "api_domain", "http(s) URL"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\"," + rt + ",\"api_domain\":\"javascript:alert(1)\"}",
            "api_domain", "http(s) URL"),
        Arguments.of("{\"access_token\":\"1000.at-SECRET\"," + rt + ",\"api_domain\":\"https://u:p@x.example\"}",
            "api_domain", "http(s) URL"));
  }

  private TokenManager manager() {
    return TokenManager.builder().store(store).environment(Environment.zohoAccounts(zoho.baseUrl(),
            zoho.apiDomain())).clock(clock).retryPolicy(RetryPolicy.NONE).build();
  }

  private OAuthToken seedExpired() {
    IssuedTokens issued = zoho.issueTokens(CLIENT_ID, SCOPE, ADA);
    return store.saveToken(OAuthToken.builder().userName(ADA).clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(issued.refreshToken()).accessToken(issued.accessToken()).expiresAt(T0.minusSeconds(1))
        .apiDomain(zoho.apiDomain()).build());
  }

  private static void assertProtocolError(OAuthException e, String field, String problem) {
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    assertThat(e.getMessage()).contains(field, problem, "HTTP 200", "nothing was saved");
    for (Throwable c = e; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain("SECRET");
    }
  }

  @ParameterizedTest(name = "{1} {2}: {0}")
  @MethodSource("brokenReplies")
  void aRefreshWithABrokenReplyIsAProtocolErrorAndTheFileIsUnchanged(String body, String field, String problem)
      throws Exception {
    OAuthToken seeded = seedExpired();
    byte[] before = Files.readAllBytes(file);
    TokenManager m = manager();
    zoho.faults().json(200, body);

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(
        OAuthToken.builder().userName(ADA).build()));

    assertProtocolError(e, field, problem);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(store.findTokenById(seeded.id())).contains(seeded);
    assertThat(m.metrics().refreshFailures()).isEqualTo(1);
    // the next call, with a good reply, refreshes as usual
    OAuthToken next = m.getToken(OAuthToken.builder().userName(ADA).build());
    assertThat(zoho.isAccessTokenValid(next.accessToken())).isTrue();
  }

  @ParameterizedTest(name = "{1} {2}: {0}")
  @MethodSource("brokenReplies")
  void anExchangeWithABrokenReplyIsAProtocolErrorAndNothingIsStored(String body, String field, String problem)
      throws Exception {
    OAuthToken other = seedExpired();
    byte[] before = Files.readAllBytes(file);
    zoho.faults().json(200, body);
    String code = zoho.issueSelfClientGrantCode(CLIENT_ID, SCOPE, ADA);

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> manager().getToken(OAuthToken.builder()
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(code).build()));

    assertProtocolError(e, field, problem);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(store.getTokens()).containsExactly(other);
  }

  @ParameterizedTest(name = "{1} {2}: {0}")
  @MethodSource("brokenReplies")
  void importingARefreshTokenWithABrokenReplyIsAProtocolErrorAndNothingIsStored(
      String body, String field, String problem) throws Exception {
    OAuthToken other = seedExpired();
    byte[] before = Files.readAllBytes(file);
    zoho.faults().json(200, body);
    String rt = zoho.issueTokens(CLIENT_ID, SCOPE, "bob@example.com").refreshToken();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> manager().getToken(OAuthToken.builder()
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken(rt).build()));

    assertProtocolError(e, field, problem);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(store.getTokens()).containsExactly(other);
  }

  @Test
  void validEdgeRepliesAreTokens() {
    OAuthToken seeded = seedExpired();
    TokenManager m = manager();
    for (String lifetime : List.of("1", "315360000", "\"7200\"", "86399.9999")) {
      zoho.faults().json(200, "{\"access_token\":\"1000.at-" + lifetime.replace("\"", "") + "-SECRET\","
          + "\"expires_in\":" + lifetime + ",\"api_domain\":\"HTTPS://www.zohoapis.eu/\"}");
      OAuthToken t = m.refresh(OAuthToken.builder().id(seeded.id()).build());
      String seconds = lifetime.replace("\"", "");
      long ms = new java.math.BigDecimal(seconds).movePointRight(3).longValue();
      assertThat(t.expiresAt()).as(lifetime).isEqualTo(T0.plusMillis(ms));
      assertThat(t.apiDomain()).isEqualTo("HTTPS://www.zohoapis.eu/");
      assertThat(store.findTokenById(seeded.id())).contains(t);
    }
    // Zoho's legacy form: expires_in in milliseconds, expires_in_sec in seconds
    zoho.faults().json(200, "{\"access_token\":\"1000.at-legacy-SECRET\",\"expires_in\":3600000,"
        + "\"expires_in_sec\":3600}");
    assertThat(m.refresh(OAuthToken.builder().id(seeded.id()).build()).expiresAt())
        .isEqualTo(T0.plus(Duration.ofHours(1)));
  }
}
