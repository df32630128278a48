package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs, several threads each, saving into one SQLite file at once. */
class SqliteMultiProcessTest {
  private static final int PROCESSES = 4;
  private static final int THREADS = 4;
  private static final int PER_THREAD = 25;

  @TempDir Path dir;

  @Test
  void fourProcessesOfFourThreadsSaveDistinctUsers() throws Exception {
    Path db = dir.resolve("shared.db");
    try (ChildJvms children = ChildJvms.start(SqliteWriterMain.class, PROCESSES,
        p -> List.of(db.toString(), "p" + p, String.valueOf(THREADS), String.valueOf(PER_THREAD)))) {
      // Start together once every process has opened the store.
      children.startTogether(Duration.ofSeconds(60));
      children.joinAll(Duration.ofSeconds(120));
    }
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      List<OAuthToken> all = store.getTokens();
      int expected = PROCESSES * THREADS * PER_THREAD;
      assertThat(all).hasSize(expected);
      Set<String> ids = new HashSet<>();
      Set<String> users = new HashSet<>();
      for (OAuthToken t : all) {
        ids.add(t.id());
        users.add(t.userName());
      }
      assertThat(ids).hasSize(expected);
      assertThat(users).hasSize(expected);
      for (int p = 0; p < PROCESSES; p++) {
        for (int t = 0; t < THREADS; t++) {
          for (int i = 0; i < PER_THREAD; i++) {
            String user = "p" + p + "-t" + t + "-u" + i + "@example.com";
            assertThat(store.findToken(OAuthToken.builder().userName(user).build()))
                .map(OAuthToken::refreshToken).contains("r-p" + p + "-" + t + "-" + i);
          }
        }
      }
    }
  }
}
