package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads on one store: no lost save, no duplicate id, no duplicate user. */
class SqliteConcurrencyTest {
  @TempDir Path dir;

  @Test
  void eightThreadsSavingFiftyUsersEachOnAFile() throws Exception {
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(dir.resolve("threads.db"))) {
      hammer(store, 8, 50);
    }
  }

  @Test
  void manyThreadsOnTheInMemoryDatabase() throws Exception {
    try (TokenStore store = TokenStores.open("sqlite::memory:")) {
      hammer(store, 8, 50);
    }
  }

  @Test
  void threadsUpdatingTheSameUserKeepOneRecord() throws Exception {
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(dir.resolve("same.db"))) {
      run(8, t -> {
        for (int i = 0; i < 25; i++) {
          store.saveToken(OAuthToken.builder().userName("shared@example.com").clientId("c")
              .accessToken("a" + t + "-" + i).refreshToken("r").build());
        }
      });
      assertThat(store.getTokens()).hasSize(1);
      assertThat(store.getTokens().get(0).id()).isEqualTo("1");
    }
  }

  private static void hammer(TokenStore store, int threads, int perThread) throws Exception {
    List<List<OAuthToken>> saved = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      saved.add(new ArrayList<>());
    }
    run(threads, t -> {
      for (int i = 0; i < perThread; i++) {
        OAuthToken s = store.saveToken(OAuthToken.builder().userName("t" + t + "-u" + i + "@example.com")
            .clientId("client").refreshToken("r-" + t + "-" + i).build());
        saved.get(t).add(s);
        // Reads interleave with the writes of the other threads.
        assertThat(store.findTokenById(s.id())).contains(s);
      }
    });
    List<OAuthToken> all = store.getTokens();
    assertThat(all).hasSize(threads * perThread);
    Set<String> ids = new HashSet<>();
    for (OAuthToken t : all) {
      ids.add(t.id());
    }
    assertThat(ids).hasSize(threads * perThread);
    for (List<OAuthToken> list : saved) {
      for (OAuthToken s : list) {
        assertThat(store.findToken(OAuthToken.builder().userName(s.userName()).build())).contains(s);
      }
    }
  }

  interface Body {
    void run(int thread) throws Exception;
  }

  static void run(int threads, Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int n = t;
        futures.add(pool.submit(() -> {
          start.await();
          body.run(n);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
