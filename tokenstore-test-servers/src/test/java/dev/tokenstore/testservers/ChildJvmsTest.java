package dev.tokenstore.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void childrenStartTogetherAndTheirLinesAreCollected() {
    try (ChildJvms children = ChildJvms.start(ChildJvmsTestMain.class, 2, p -> List.of("ok", String.valueOf(p + 2)))) {
      children.startTogether(WAIT);
      children.joinAll(WAIT);
      assertThat(children.get(0).name()).isEqualTo("p0");
      assertThat(children.get(0).lines()).startsWith(ChildJvms.READY)
          .containsExactlyInAnyOrder(ChildJvms.READY, "thread 0", "thread 1");
      assertThat(children.get(1).lines())
          .containsExactlyInAnyOrder(ChildJvms.READY, "thread 0", "thread 1", "thread 2");
      assertThat(children.get(1).saw("thread 2")).isTrue();
    }
  }

  @Test
  void aFailingChildFailsTheJoinWithItsStandardError() {
    try (ChildJvms children = ChildJvms.start(ChildJvmsTestMain.class, 1, p -> List.of("fail"))) {
      children.startTogether(WAIT);
      assertThatThrownBy(() -> children.joinAll(WAIT))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("Child p0 exited with code 1")
          .hasMessageContaining("worker 1 failed on purpose");
    }
  }

  @Test
  void aChildThatDoesNotEndInTimeFailsTheJoinAndIsKilledOnClose() {
    ChildJvms.Child child;
    try (ChildJvms children = ChildJvms.start(ChildJvmsTestMain.class, 1, p -> List.of("ok", "1"))) {
      child = children.get(0);
      children.waitUntil("the child is ready", WAIT, () -> child.saw(ChildJvms.READY));
      // Never told to go, the child waits for ever.
      assertThatThrownBy(() -> children.joinAll(Duration.ofMillis(200)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("Child p0 did not end within")
          .hasMessageContaining(ChildJvms.READY);
    }
    assertThat(child.process().isAlive()).isFalse();
  }
}
