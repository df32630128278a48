package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link DataCenter#fromApiDomain} and {@link Environment#zohoFromApiDomain}: a stored API domain to its data centre. */
class DataCenterTest {

  static Stream<Arguments> everyDataCentreAndKind() {
    return Stream.of(DataCenter.values())
        .flatMap(dc -> Stream.of(Environment.Kind.values()).map(k -> Arguments.of(dc, k)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyDataCentreAndKind")
  void everyApiDomainNamesItsDataCentreAndKind(DataCenter dc, Environment.Kind kind) {
    String api = dc.apiDomain(kind);
    String host = api.substring("https://".length());
    for (String form : new String[] {api, api + "/", "https://" + host + ":443", host,
        api.toUpperCase(Locale.ROOT), "HTTPS://" + host}) {
      assertThat(DataCenter.fromApiDomain(form)).as(form).contains(dc);
      assertThat(Environment.zohoFromApiDomain(form)).as(form).contains(Environment.zoho(dc, kind));
    }
  }

  @Test
  void knownDomainsByName() {
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.com")).contains(DataCenter.US);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.eu")).contains(DataCenter.EU);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.in")).contains(DataCenter.IN);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.com.cn")).contains(DataCenter.CN);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.com.au")).contains(DataCenter.AU);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.jp")).contains(DataCenter.JP);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.ca")).contains(DataCenter.CA);
    assertThat(DataCenter.fromApiDomain("https://www.zohoapis.sa")).contains(DataCenter.SA);
    assertThat(Environment.zohoFromApiDomain("https://sandbox.zohoapis.eu"))
        .contains(Environment.zoho(DataCenter.EU, Environment.Kind.SANDBOX));
    assertThat(Environment.zohoFromApiDomain("https://developer.zohoapis.com.au"))
        .contains(Environment.zoho(DataCenter.AU, Environment.Kind.DEVELOPER));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://www.zohoapis.eu.",                 // trailing dot: not the form Zoho gives
      "www.zohoapis.eu.",
      "https://www.zohoapis.com.evil.example",    // look-alikes
      "www.zohoapis.com.evil.example",
      "https://evil.example/www.zohoapis.com",
      "https://evilzohoapis.com",
      "https://www-zohoapis.com",
      "https://zohoapis.com",
      "https://www.zohoapis.co",
      "https://www.zohoapis.com.au.evil.example",
      "https://api.zohoapis.com",                 // not a kind's prefix
      "https://www.zohoapi\u017f.com",            // long s: equalsIgnoreCase would take it for an s
      "https://www.zoh\u043eapis.com",            // Cyrillic o
      "https://www.zohoapis.com@evil.example",    // user info and another host
      "https://user@www.zohoapis.com",
      "https://www.zohoapis.com:8443",            // another port
      "https://www.zohoapis.com/crm/v8",          // a path
      "https://www.zohoapis.com?x=1",
      "https://www.zohoapis.com#x",
      "http://www.zohoapis.com",                  // not https
      "ftp://www.zohoapis.com",
      "https://www.zohoapis.uk",                  // a data centre not listed in DataCenter
      "https://accounts.zoho.eu",                 // an accounts server, not an API domain
      " https://www.zohoapis.com",
      "https://www.zohoapis.com ",
      "https://",
      "not a url",
      ""})
  void unknownOrHostileDomainsAreEmpty(String apiDomain) {
    assertThat(DataCenter.fromApiDomain(apiDomain)).isEmpty();
    assertThat(Environment.zohoFromApiDomain(apiDomain)).isEmpty();
  }

  @Test
  void aMissingApiDomainIsNoDataCentre() { // OAuthToken.apiDomain() is nullable: callers pass it straight in
    assertThat(DataCenter.fromApiDomain(null)).isEmpty();
    assertThat(Environment.zohoFromApiDomain(null)).isEmpty();
  }
}
