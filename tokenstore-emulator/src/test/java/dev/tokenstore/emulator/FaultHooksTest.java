package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The faults that answer with JSON or 429, hold a call, or run an action when it arrives. */
class FaultHooksTest {
  @Test
  void jsonFaultsAnswerWithAJsonContentTypeThenNormalServiceResumes() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().json(400, "{\"error\":\"invalid_request\"}").json(200, "{\"expires_in\":3600}", 2);
      assertThat(emu.faults().pending()).isEqualTo(3);

      Http.Reply first = Http.refresh(emu, "c", "s", rt);
      assertThat(first.status()).isEqualTo(400);
      assertThat(first.text("error")).isEqualTo("invalid_request");
      assertThat(first.response().headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      for (int i = 0; i < 2; i++) {
        Http.Reply r = Http.refresh(emu, "c", "s", rt);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"expires_in\":3600}");
      }
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThat(emu.refreshCalls(rt)).isEqualTo(4);
      assertThatThrownBy(() -> emu.faults().json(600, "{}")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void tooManyRequestsIs429WithRetryAfterInWholeSeconds() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().tooManyRequests(Duration.ofMillis(7_900));

      Http.Reply r = Http.refresh(emu, "c", "s", rt);

      assertThat(r.status()).isEqualTo(429);
      assertThat(r.response().headers().firstValue("Retry-After")).contains("7");
      assertThat(r.text("error")).isEqualTo("too_many_requests");
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThatThrownBy(() -> emu.faults().tooManyRequests(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void heldCallIsServedOnlyOnceReleasedAndOtherCallsAreNotHeld() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      emu.faults().hold(arrived, release);

      Future<Http.Reply> held = pool.submit(() -> Http.refresh(emu, "c", "s", rt));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(emu.refreshCalls()).isEqualTo(1); // counted on arrival
      // The hold was for one call: another one is served while the first is still held.
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
      assertThat(held.isDone()).isFalse();

      release.countDown();
      Http.Reply r = held.get(60, TimeUnit.SECONDS);
      assertThat(r.has("access_token")).isTrue();
      assertThat(emu.isAccessTokenValid(r.text("access_token"))).isTrue();
      assertThat(emu.faults().pending()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closingTheEmulatorDropsAHeldCall() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      AccountsEmulator emu = AccountsEmulator.builder().start();
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      CountDownLatch arrived = new CountDownLatch(1);
      emu.faults().hold(arrived, new CountDownLatch(1)); // never released
      Future<Http.Reply> held = pool.submit(() -> Http.refresh(emu, "c", "s", rt));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();

      emu.close();

      assertThatThrownBy(() -> held.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void actionRunsWhenTheCallArrivesAndTheCallSeesItsEffect() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      AtomicLong refreshesSeenByAction = new AtomicLong(-1);
      // Another client revokes the refresh token just as this refresh arrives.
      emu.faults().run(() -> {
        refreshesSeenByAction.set(emu.refreshCalls());
        emu.revokeToken(rt);
      });

      Http.Reply r = Http.refresh(emu, "c", "s", rt);

      assertThat(refreshesSeenByAction.get()).isEqualTo(1);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text("error")).isEqualTo("invalid_code");
      assertThat(emu.faults().pending()).isZero();
    }
  }

  @Test
  void actionThatThrowsGivesHttp500() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      emu.faults().run(() -> {
        throw new IllegalStateException("test action fails");
      });

      Http.Reply r = Http.refresh(emu, "c", "s", rt);

      assertThat(r.status()).isEqualTo(500);
      assertThat(r.text("error")).isEqualTo("fault_action_failed");
      assertThat(Http.refresh(emu, "c", "s", rt).has("access_token")).isTrue();
    }
  }
}
