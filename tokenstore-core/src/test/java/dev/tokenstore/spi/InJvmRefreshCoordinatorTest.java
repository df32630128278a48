package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity;
import dev.tokenstore.spi.RefreshCoordinator.RefreshLease;
import java.time.Duration;
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
}
