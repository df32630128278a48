package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
    Path go = dir.resolve("go");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> procs = new ArrayList<>();
    try {
      for (int p = 0; p < PROCESSES; p++) {
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
            SqliteWriterMain.class.getName(), db.toString(), "p" + p, String.valueOf(THREADS),
            String.valueOf(PER_THREAD), go.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("p" + p + ".log").toFile());
        procs.add(pb.start());
      }
      // Start together once every process has opened the store (or soon after a bounded wait).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (int p = 0; p < PROCESSES; p++) {
        Path log = dir.resolve("p" + p + ".log");
        while (System.nanoTime() < deadline && !(Files.exists(log) && Files.readString(log).contains("ready"))
            && procs.get(p).isAlive()) {
          Thread.sleep(20);
        }
      }
      Files.createFile(go);
      for (int p = 0; p < PROCESSES; p++) {
        Process proc = procs.get(p);
        boolean ended = proc.waitFor(120, TimeUnit.SECONDS);
        String log = Files.readString(dir.resolve("p" + p + ".log"));
        assertThat(ended).as("process p%d ended in time; output:%n%s", p, log).isTrue();
        assertThat(proc.exitValue()).as("process p%d exit; output:%n%s", p, log).isZero();
      }
    } finally {
      for (Process proc : procs) {
        if (proc.isAlive()) {
          proc.destroyForcibly();
          proc.waitFor(10, TimeUnit.SECONDS);
        }
      }
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
