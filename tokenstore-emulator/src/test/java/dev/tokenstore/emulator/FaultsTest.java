package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultsTest {
  @Test
  void statusFaultsAnswerInsteadOfTheEndpointThenNormalServiceResumes() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().status(503, "Service Unavailable", 2).status(500, "");
      assertThat(emu.faults().pending()).isEqualTo(3);

      Http.Reply first = Http.refresh(emu, "c", "s", rt);
      assertThat(first.status()).isEqualTo(503);
      assertThat(first.body()).isEqualTo("Service Unavailable");
      assertThat(Http.refresh(emu, "c", "s", rt).status()).isEqualTo(503);
      Http.Reply third = Http.refresh(emu, "c", "s", rt);
      assertThat(third.status()).isEqualTo(500);
      assertThat(third.body()).isEmpty();
      assertThat(emu.faults().pending()).isZero();
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      // Faulted calls count: counters count requests received.
      assertThat(emu.refreshCalls(rt)).isEqualTo(4);
      assertThat(emu.tokenCalls()).isEqualTo(5);
    }
  }

  @Test
  void malformedBodyIsHttp200ClaimingJsonButIsNot() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().malformedBody().malformedBody("{\"access_token\":", 1);
      Http.Reply html = Http.refresh(emu, "c", "s", rt);
      assertThat(html.status()).isEqualTo(200);
      assertThat(html.response().headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("application/json"));
      assertThat(html.body()).isEqualTo(Faults.DEFAULT_MALFORMED_BODY);
      assertThatThrownBy(html::json).hasMessageContaining("not JSON");
      Http.Reply truncated = Http.refresh(emu, "c", "s", rt);
      assertThatThrownBy(truncated::json).hasMessageContaining("not JSON");
    }
  }

  @Test
  void droppedConnectionsGetNoReplyAtAll() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().dropConnection();
      assertThatThrownBy(() -> Http.refresh(emu, "c", "s", rt)).isInstanceOf(IOException.class);
      assertThat(emu.refreshCalls(rt)).isEqualTo(1);
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
    }
  }

  @Test
  void delayedCallsAreServedAfterTheDelayAndTimeOutAShortClient() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().delay(Duration.ofMillis(50));
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();

      // A client that gives up long before the delay ends sees a timeout.
      emu.faults().delay(Duration.ofSeconds(30));
      HttpRequest request = HttpRequest.newBuilder(URI.create(emu.tokenUrl()))
          .timeout(Duration.ofMillis(200))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(
              "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=" + Http.enc(rt)))
          .build();
      assertThatThrownBy(() -> Http.send(request)).isInstanceOf(HttpTimeoutException.class);
      assertThat(emu.refreshCalls(rt)).isEqualTo(2);
    } // close() interrupts the 30-second delay
  }

  @Test
  void throttlingOnDemand() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      Http.Reply tokens = Http.tokens(emu, "c", "s");
      emu.faults().throttle(2);
      for (int i = 0; i < 2; i++) {
        Http.Reply r = Http.refresh(emu, "c", "s", tokens.text("refresh_token"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("error")).isEqualTo("Access Denied");
        assertThat(r.text("status")).isEqualTo("failure");
        assertThat(r.text("error_description")).startsWith("You have made too many requests continuously.");
      }
      // Injected throttling does not use up the real budget of ten.
      for (int i = 0; i < 10; i++) {
        assertThat(Http.refresh(emu, "c", "s", tokens.text("refresh_token")).has("access_token")).isTrue();
      }
    }
  }

  @Test
  void faultsCanTargetOtherEndpointsAndBeCleared() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String access = Http.tokens(emu, "c", "s").text("access_token");
      emu.faults(Endpoint.USER_INFO).status(503, "busy");
      emu.faults(Endpoint.REVOKE).dropConnection();
      emu.faults(Endpoint.AUTHORIZATION).status(500, "oops");
      emu.faults().throttle(5);

      assertThat(Http.currentUser(emu, access).status()).isEqualTo(503);
      assertThat(Http.currentUser(emu, access).status()).isEqualTo(200);
      assertThatThrownBy(() -> Http.revoke(emu, access)).isInstanceOf(IOException.class);
      assertThat(emu.isAccessTokenValid(access)).isTrue();
      assertThat(Http.get(emu.authorizationUrl() + "?response_type=code&client_id=c&redirect_uri=x").status())
          .isEqualTo(500);

      emu.faults().clear();
      assertThat(emu.faults().pending()).isZero();
      assertThat(Http.tokens(emu, "c", "s").has("access_token")).isTrue();
    }
  }

  @Test
  void faultArgumentsAreChecked() {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      assertThatThrownBy(() -> emu.faults().status(99, "")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> emu.faults().throttle(0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> emu.faults().delay(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(emu.faults().pending()).isZero();
    }
  }
}
