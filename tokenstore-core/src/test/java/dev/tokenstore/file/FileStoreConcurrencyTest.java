package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads and many processes saving into one file: nothing lost, no id twice. */
class FileStoreConcurrencyTest {
  @TempDir Path dir;

  static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).clientId("1000.CLIENT").refreshToken("refresh-of-" + name)
        .accessToken("access-of-" + name).build();
  }

  @Test
  void eightThreadsTimesHundredUsersAreAllKeptWithDistinctIds() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    // Threads 0-3 share one store; threads 4-7 each have their own store on the same file.
    FileTokenStore shared = FileTokenStore.open(file);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          FileTokenStore own = thread < 4 ? shared : FileTokenStore.open(file);
          try {
            start.await();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
              String name = "t" + thread + "-u" + i + "@example.com";
              ids.add(own.saveToken(user(name)).id());
              // Read back through this store: its own write is visible at once.
              assertThat(own.findToken(OAuthToken.builder().userName(name).build())).isPresent();
            }
            return ids;
          } finally {
            if (own != shared) {
              own.close();
            }
          }
        }));
      }
      start.countDown();
      List<String> ids = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        ids.addAll(f.get(120, TimeUnit.SECONDS));
      }
      assertThat(ids).hasSize(800).doesNotHaveDuplicates();
      assertThat(shared.getTokens()).hasSize(800);
    } finally {
      pool.shutdownNow();
      shared.close();
    }
    try (FileTokenStore reopened = FileTokenStore.open(file)) {
      List<OAuthToken> all = reopened.getTokens();
      assertThat(all).hasSize(800).extracting(OAuthToken::id).doesNotHaveDuplicates();
      Set<String> users = all.stream().map(OAuthToken::userName).collect(Collectors.toSet());
      for (int t = 0; t < 8; t++) {
        for (int i = 0; i < 100; i++) {
          assertThat(users).contains("t" + t + "-u" + i + "@example.com");
        }
      }
    }
    assertThat(FileStoreTestSupport.strayFiles(dir)).isEmpty();
  }

  @Test
  void fourProcessesWithSeveralThreadsEachLoseNothing() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    int processes = 4;
    int threads = 3;
    int perThread = 25;
    try (ChildJvms children = ChildJvms.start(ConcurrentWriterMain.class, processes,
        p -> List.of(file.toString(), "p" + p, String.valueOf(threads), String.valueOf(perThread)))) {
      children.joinAll(Duration.ofSeconds(180));
      for (ChildJvms.Child child : children.children()) {
        assertThat(child.lines()).as("output of %s", child.name()).contains("DONE");
      }
    }
    try (FileTokenStore store = FileTokenStore.open(file)) {
      List<OAuthToken> all = store.getTokens();
      assertThat(all).hasSize(processes * threads * perThread)
          .extracting(OAuthToken::id).doesNotHaveDuplicates();
      Set<String> users = all.stream().map(OAuthToken::userName).collect(Collectors.toSet());
      List<String> expected = IntStream.range(0, processes).boxed()
          .flatMap(p -> IntStream.range(0, threads).boxed()
              .flatMap(t -> IntStream.range(0, perThread).mapToObj(i -> "p" + p + "-t" + t + "-u" + i + "@example.com")))
          .toList();
      assertThat(users).containsExactlyInAnyOrderElementsOf(expected);
      // Ids are exactly 1..n: each was computed from the freshly reread file under the lock.
      assertThat(all).extracting(OAuthToken::id).containsExactlyElementsOf(
          IntStream.rangeClosed(1, all.size()).mapToObj(String::valueOf).toList());
    }
    assertThat(FileStoreTestSupport.strayFiles(dir)).isEmpty();
  }

  @Test
  void anotherProcessWritingIsSeenByTheNextLookup() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("local@example.com"));
      assertThat(store.getTokens()).hasSize(1);
      try (ChildJvms remote = ChildJvms.start(ConcurrentWriterMain.class, 1,
          p -> List.of(file.toString(), "remote", "1", "1"))) {
        remote.joinAll(Duration.ofSeconds(120));
      }
      assertThat(store.findToken(OAuthToken.builder().userName("remote-t0-u0@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.id()).isEqualTo("2"));
      assertThat(store.saveToken(user("next@example.com")).id()).isEqualTo("3");
    }
  }
}
