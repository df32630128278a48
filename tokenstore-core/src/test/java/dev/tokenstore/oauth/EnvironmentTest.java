package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvironmentTest {

  @Test
  void zohoDataCentresAndKinds() {
    Environment eu = Environment.zoho(DataCenter.EU, Environment.Kind.SANDBOX);
    assertThat(eu.tokenUrl()).hasToString("https://accounts.zoho.eu/oauth/v2/token");
    assertThat(eu.revokeUrl()).hasValueSatisfying(u -> assertThat(u).hasToString(
        "https://accounts.zoho.eu/oauth/v2/token/revoke"));
    assertThat(eu.authorizationUrl()).hasValueSatisfying(u -> assertThat(u).hasToString(
        "https://accounts.zoho.eu/oauth/v2/auth"));
    assertThat(eu.apiDomain()).isEqualTo("https://sandbox.zohoapis.eu");
    assertThat(eu.authorizationScheme()).isEqualTo("Zoho-oauthtoken");
    assertThat(eu.name()).isEqualTo("zoho-eu-sandbox");
    assertThat(Environment.zoho(DataCenter.CA).tokenUrl()).hasToString("https://accounts.zohocloud.ca/oauth/v2/token");
    assertThat(Environment.zoho(DataCenter.CA).apiDomain()).isEqualTo("https://www.zohoapis.ca");
    assertThat(Environment.zoho(DataCenter.CN, Environment.Kind.DEVELOPER).apiDomain())
        .isEqualTo("https://developer.zohoapis.com.cn");
    assertThat(Environment.zoho(DataCenter.US)).isEqualTo(Environment.zoho(DataCenter.US, Environment.Kind.PRODUCTION));
  }

  @ParameterizedTest
  @EnumSource(DataCenter.class)
  void everyDataCentreIsHttpsAndFoundByItsHost(DataCenter dc) {
    Environment e = Environment.zoho(dc);
    assertThat(e.tokenUrl().getScheme()).isEqualTo("https");
    assertThat(DataCenter.ofAccountsHost(dc.accountsHost())).contains(dc);
  }

  @Test
  void customEnvironmentIsBearerWithRfcProtocol() {
    Environment c = Environment.custom("idp", "https://idp.example.com/oauth2/token");
    assertThat(c.protocol()).isEqualTo(Environment.Protocol.RFC6749);
    assertThat(c.authorizationScheme()).isEqualTo("Bearer");
    assertThat(c.apiDomain()).isEqualTo("https://idp.example.com");
    assertThat(c.revokeUrl()).isEmpty();
    assertThatThrownBy(() -> Environment.custom("x", "ftp://example.com/token"))
        .isInstanceOf(TokenstoreException.class);
    assertThatThrownBy(() -> Environment.builder("x").tokenUrl("https://u:p@example.com/t").apiDomain("https://a")
        .build()).isInstanceOf(TokenstoreException.class).hasMessageNotContaining(":p@");
  }

  @Test
  void accountsServerOfTheRedirectPicksTheDataCentre() {
    Environment us = Environment.zoho(DataCenter.US, Environment.Kind.SANDBOX);
    Environment eu = us.forAccountsServer("https://accounts.zoho.eu");
    assertThat(eu).isEqualTo(Environment.zoho(DataCenter.EU, Environment.Kind.SANDBOX));
    assertThat(us.forAccountsServer("https://ACCOUNTS.ZOHO.COM.AU/").dataCenter()).contains(DataCenter.AU);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://accounts.zoho.eu",            // not https
      "https://accounts.zoho.eu.evil.com",  // not a Zoho accounts host
      "https://evil.com",
      "https://accounts.zoho.eu:8443",      // unexpected port
      "https://user@accounts.zoho.eu",      // user info
      "https://accounts.zoho.eu/oauth",     // path
      "https://accounts.zoho.eu?x=1",       // query
      "http://127.0.0.1:8080",              // loopback is not Zoho
      "not a url",
      ""})
  void zohoEnvironmentRefusesOtherAccountsServers(String value) {
    assertThatThrownBy(() -> Environment.zoho(DataCenter.US).forAccountsServer(value))
        .isInstanceOf(TokenstoreException.class)
        .satisfies(e -> assertThat(((TokenstoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void zohoAccountsEnvironmentAcceptsHttpsOrLoopbackHttp() {
    Environment local = Environment.zohoAccounts("http://127.0.0.1:5000", "http://127.0.0.1:5001");
    Environment other = local.forAccountsServer("http://localhost:6000");
    assertThat(other.tokenUrl()).hasToString("http://localhost:6000/oauth/v2/token");
    assertThat(other.apiDomain()).isEqualTo("http://127.0.0.1:5001");
    assertThat(local.forAccountsServer("https://accounts.zoho.uk").tokenUrl())
        .hasToString("https://accounts.zoho.uk/oauth/v2/token");
    assertThatThrownBy(() -> local.forAccountsServer("http://10.0.0.5"))
        .isInstanceOf(TokenstoreException.class);
    assertThatThrownBy(() -> Environment.custom("idp", "https://idp.example.com/token")
        .forAccountsServer("https://accounts.zoho.eu")).isInstanceOf(TokenstoreException.class);
  }

  @Test
  void retryPolicyBackoffIsBoundedAndJittered() {
    RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(300), 0.5);
    for (int retry = 1; retry <= 10; retry++) {
      long full = Math.min(300, 100L << (retry - 1));
      assertThat(p.backoff(retry).toMillis()).isBetween(full / 2, full);
    }
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0))
        .isInstanceOfSatisfying(TokenstoreException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage("maxAttempts must be between 1 and 20, was 0");
  }
}
