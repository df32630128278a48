package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saves from several threads that wait for the file store's lock together share one rewrite of the file, each with
 * its own result; a save that fails fails alone.
 */
class GroupCommitTest {
  @TempDir Path dir;

  @Test
  void writersQueuedTogetherShareOneRewriteAndEachGetsItsOwnResult() throws Exception {
    try (FileTokenStore store = FileTokenStore.open(dir.resolve("sdk_tokens.txt"))) {
      store.saveToken(OAuthToken.builder().userName("first@example.com").refreshToken("r0").build());
      long before = store.rewriteCount();
      int writers = 8;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<CompletableFuture<Object>> results = new ArrayList<>();
      store.lockForTests().writeLock().lock();
      try {
        for (int i = 0; i < writers; i++) {
          int n = i;
          results.add(CompletableFuture.supplyAsync(() -> {
            try {
              return store.saveToken(n == 3
                  ? OAuthToken.builder().userName("nothing@example.com").build() // no token: INVALID_ARGUMENT
                  : OAuthToken.builder().userName("u" + n + "@example.com").refreshToken("r" + n).build());
            } catch (StoreException e) {
              return e;
            }
          }, pool));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.waitingWrites() < writers) {
          assertThat(System.nanoTime()).as("all writers queued").isLessThan(deadline);
          Thread.sleep(2);
        }
      } finally {
        store.lockForTests().writeLock().unlock();
      }
      List<Object> outcomes = new ArrayList<>();
      for (CompletableFuture<Object> f : results) {
        outcomes.add(f.get(30, TimeUnit.SECONDS));
      }
      pool.shutdown();

      assertThat(store.rewriteCount() - before).as("one rewrite for the whole group").isEqualTo(1);
      assertThat(outcomes.get(3)).isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (i == 3) {
          continue;
        }
        OAuthToken saved = (OAuthToken) outcomes.get(i);
        assertThat(saved.userName()).isEqualTo("u" + i + "@example.com");
        ids.add(saved.id());
      }
      assertThat(ids).doesNotHaveDuplicates().hasSize(writers - 1);
      try (FileTokenStore reopened = FileTokenStore.open(dir.resolve("sdk_tokens.txt"))) {
        assertThat(reopened.getTokens()).hasSize(writers); // first + 7
      }
    }
  }

  @Test
  void aBulkSaveRewritesTheFileOnceAndAFailingTokenLeavesItAsItWas() throws Exception {
    Path path = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(path)) {
      store.saveToken(OAuthToken.builder().userName("first@example.com").refreshToken("r0").build());
      long before = store.rewriteCount();
      List<OAuthToken> many = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        many.add(OAuthToken.builder().userName("bulk" + i + "@example.com").refreshToken("r-" + i).build());
      }
      assertThat(store.saveTokens(many)).hasSize(500);
      assertThat(store.rewriteCount() - before).isEqualTo(1);

      byte[] file = java.nio.file.Files.readAllBytes(path);
      List<OAuthToken> bad = List.of(
          OAuthToken.builder().userName("bulk1@example.com").accessToken("changed").build(),
          OAuthToken.builder().userName("new@example.com").refreshToken("r-new").build(),
          OAuthToken.builder().userName("nothing@example.com").build());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.saveTokens(bad))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      assertThat(java.nio.file.Files.readAllBytes(path)).as("the file is as it was").isEqualTo(file);
      assertThat(store.findToken(OAuthToken.builder().userName("new@example.com").build())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().userName("bulk1@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.accessToken()).isNull());
      assertThat(store.getTokens()).hasSize(501);
    }
  }
}
