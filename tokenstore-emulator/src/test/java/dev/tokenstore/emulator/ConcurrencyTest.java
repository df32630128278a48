package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
  private static final int THREADS = 16;

  @Test
  void countersAreExactUnderConcurrentRefreshes() throws Exception {
    int perThread = 20;
    try (AccountsEmulator emu = AccountsEmulator.builder()
        .accessTokensPerRefreshWindow(10_000, Duration.ofMinutes(10))
        .start()) {
      String shared = Http.tokens(emu, "c", "s").text("refresh_token");
      List<String> own = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        own.add(Http.tokens(emu, "c", "s").text("refresh_token"));
      }
      emu.resetCounters();
      Set<String> accessTokens = ConcurrentHashMap.newKeySet();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          String mine = own.get(t);
          futures.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < perThread; i++) {
              String rt = i % 2 == 0 ? shared : mine;
              accessTokens.add(Http.refresh(emu, "c", "s", rt).text("access_token"));
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(emu.refreshCalls()).isEqualTo(THREADS * perThread);
      assertThat(emu.tokenCalls()).isEqualTo(THREADS * perThread);
      assertThat(emu.refreshCalls(shared)).isEqualTo(THREADS * perThread / 2);
      for (String rt : own) {
        assertThat(emu.refreshCalls(rt)).isEqualTo(perThread / 2);
      }
      assertThat(accessTokens).hasSize(THREADS * perThread).allMatch(emu::isAccessTokenValid);
    }
  }

  @Test
  void aCodeRacedByManyThreadsIsExchangedExactlyOnce() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      for (int round = 0; round < 5; round++) {
        String code = emu.issueGrantCode("c", "http://localhost/cb", "scope");
        AtomicInteger successes = new AtomicInteger();
        AtomicInteger invalid = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
              go.await();
              Http.Reply r = Http.exchange(emu, "c", "s", "http://localhost/cb", code);
              if (r.has("access_token")) {
                successes.incrementAndGet();
              } else if ("invalid_code".equals(r.text("error"))) {
                invalid.incrementAndGet();
              }
              return null;
            }));
          }
          go.countDown();
          for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
          assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(successes).hasValue(1);
        assertThat(invalid).hasValue(THREADS - 1);
      }
      assertThat(emu.exchangeCalls()).isEqualTo(5L * THREADS);
    }
  }

  @Test
  void theThrottleAdmitsExactlyTheLimitUnderConcurrency() throws Exception {
    try (AccountsEmulator emu = AccountsEmulator.builder().start()) {
      String rt = Http.tokens(emu, "c", "s").text("refresh_token");
      AtomicInteger granted = new AtomicInteger();
      AtomicInteger denied = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          futures.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < 2; i++) {
              Http.Reply r = Http.refresh(emu, "c", "s", rt);
              if (r.has("access_token")) {
                granted.incrementAndGet();
              } else if ("Access Denied".equals(r.text("error"))) {
                denied.incrementAndGet();
              }
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(granted).hasValue(10);
      assertThat(denied).hasValue(2 * THREADS - 10);
      assertThat(emu.refreshCalls(rt)).isEqualTo(2L * THREADS);
    }
  }
}
