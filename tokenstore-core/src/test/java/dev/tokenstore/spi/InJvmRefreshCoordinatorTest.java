package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InJvmRefreshCoordinatorTest {

  @Test
  void leasesAreExclusiveUntilClosedOrExpired() throws InterruptedException {
    RefreshCoordinator c = RefreshCoordinator.newInJvm();
    RefreshIdentity id = new RefreshIdentity("env", "1");
    RefreshLease first = c.tryAcquire(id, Duration.ofMinutes(1)).orElseThrow();
    assertThat(c.tryAcquire(id, Duration.ofMinutes(1))).isEmpty();
    assertThat(c.tryAcquire(new RefreshIdentity("env", "2"), Duration.ofMinutes(1))).isPresent();
    first.close();
    RefreshLease second = c.tryAcquire(id, Duration.ofMillis(1)).orElseThrow();
    assertThat(second.fence()).isGreaterThan(first.fence());
    while (second.isValid()) {
      Thread.sleep(1);
    }
    assertThat(c.tryAcquire(id, Duration.ofMinutes(1))).isPresent();
  }

  @Test
  void newInJvmIsIndependentOfTheSharedOne() {
    RefreshIdentity id = new RefreshIdentity("env-independent", "1");
    try (RefreshLease held = RefreshCoordinator.newInJvm().tryAcquire(id, Duration.ofMinutes(1)).orElseThrow()) {
      RefreshLease shared = RefreshCoordinator.inJvm().tryAcquire(id, Duration.ofMinutes(1)).orElseThrow();
      assertThat(shared.isValid()).isTrue();
      assertThat(held.isValid()).isTrue();
      shared.close();
    }
  }

  @Test
  void awaitReleaseWakesWhenTheHolderCloses() throws Exception {
    RefreshCoordinator c = RefreshCoordinator.newInJvm();
    RefreshIdentity id = new RefreshIdentity("env", "wake");
    RefreshLease held = c.tryAcquire(id, Duration.ofMinutes(5)).orElseThrow();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      AtomicReference<Thread> waiting = new AtomicReference<>();
      Future<Boolean> waiter = pool.submit(() -> {
        waiting.set(Thread.currentThread());
        return c.awaitRelease(id, Duration.ofMinutes(5));
      });
      // close only once the waiter is parked in awaitRelease (the only timed wait on its way): closed earlier (a
      // fixed 100 ms sleep could be too short on a loaded machine), awaitRelease would return at once and the test
      // would not show the wake-up
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (waiting.get() == null || waiting.get().getState() != Thread.State.TIMED_WAITING) {
        assertThat(System.nanoTime() - deadline).as("the waiter reached awaitRelease").isNegative();
        Thread.sleep(1);
      }
      held.close();
      assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue(); // not the five minutes it was allowed
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void awaitReleaseNeverWaitsPastTheLeaseExpiry() throws Exception {
    RefreshCoordinator c = RefreshCoordinator.newInJvm();
    RefreshIdentity id = new RefreshIdentity("env", "lost");
    RefreshLease dead = c.tryAcquire(id, Duration.ofMillis(500)).orElseThrow(); // never closed
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> waiter = pool.submit(() -> c.awaitRelease(id, Duration.ofMinutes(5)));
      assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(c.tryAcquire(id, Duration.ofMinutes(1))).isPresent();
      assertThat(dead.isValid()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }
}
