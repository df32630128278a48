package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class LifecycleTest {
  @Test
  void urlsAreOnLoopbackAndCloseIsIdempotentAndStopsListening() throws Exception {
    AccountsEmulator emu = AccountsEmulator.builder().start();
    assertThat(emu.baseUrl()).isEqualTo("http://127.0.0.1:" + emu.port());
    assertThat(emu.port()).isPositive();
    assertThat(emu.tokenUrl()).isEqualTo(emu.baseUrl() + "/oauth/v2/token");
    assertThat(emu.revokeUrl()).isEqualTo(emu.baseUrl() + "/oauth/v2/token/revoke");
    assertThat(emu.authorizationUrl()).isEqualTo(emu.baseUrl() + "/oauth/v2/auth");
    assertThat(emu.apiDomain()).isEqualTo(emu.baseUrl());
    assertThat(emu.currentUserUrl()).isEqualTo(emu.baseUrl() + "/crm/v8/users?type=CurrentUser");
    assertThat(emu.toString()).contains(emu.baseUrl());
    assertThat(Http.tokens(emu, "c", "s").has("access_token")).isTrue();
    emu.close();
    emu.close();
    assertThatThrownBy(() -> Http.tokens(emu, "c", "s")).isInstanceOf(IOException.class);
  }

  @Test
  void buildIsStart() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().build()) {
      assertThat(Http.tokens(emu, "c", "s").has("access_token")).isTrue();
    }
  }

  @Test
  void aDefaultHttpClientPreferringHttp2Works() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String code = emu.issueGrantCode("c", "http://localhost/cb", "scope");
      HttpRequest request = HttpRequest.newBuilder(URI.create(emu.tokenUrl()))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(
              "grant_type=authorization_code&client_id=c&client_secret=s&redirect_uri="
                  + Http.enc("http://localhost/cb") + "&code=" + Http.enc(code)))
          .build();
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Http.JSON.readTree(r.body()).has("access_token")).isTrue();
      HttpResponse<String> me = client.send(
          HttpRequest.newBuilder(URI.create(emu.currentUserUrl()))
              .header("Authorization", "Zoho-oauthtoken " + Http.JSON.readTree(r.body()).get("access_token").asText())
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(me.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void manualClockMovesOnlyWhenToldAndZonedCopiesShareTheTime() {
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    ManualClock clock = new ManualClock(t0);
    Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));
    assertThat(clock.instant()).isEqualTo(t0);
    assertThat(clock.advance(Duration.ofMinutes(5))).isEqualTo(t0.plusSeconds(300));
    assertThat(paris.instant()).isEqualTo(t0.plusSeconds(300));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    clock.set(t0);
    assertThat(paris.millis()).isEqualTo(t0.toEpochMilli());
  }
}
