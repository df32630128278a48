package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three JVMs of four threads each save distinct users and one shared user into one database on a real server,
 * opened by a {@code jdbc:} URL: no lost update (every user keeps both fields it was saved with in two steps, and
 * the shared user keeps its refresh token through all the merges), no duplicate, unique ids.
 */
class ServerMultiProcessTest {
  private static final int PROCESSES = 3;
  private static final int THREADS = 4;
  private static final int PER_THREAD = 10;
  private static final String SHARED = "shared@example.com";

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void threeProcessesOfFourThreads(String engine) throws Exception {
    TestDatabase db = engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    String uri = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + "user="
        + URLEncoder.encode(db.user(), StandardCharsets.UTF_8)
        + (db.password().isEmpty() ? "" : "&password=" + URLEncoder.encode(db.password(), StandardCharsets.UTF_8));
    String sharedId;
    try (TokenStore store = TokenStores.open(uri)) {
      sharedId = store.saveToken(OAuthToken.builder().userName(SHARED).clientId("1000.C").refreshToken("r-shared")
          .build()).id();
    }
    Path go = dir.resolve("go");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> procs = new ArrayList<>();
    try {
      for (int p = 0; p < PROCESSES; p++) {
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
            ServerWriterMain.class.getName(), uri, "p" + p, String.valueOf(THREADS), String.valueOf(PER_THREAD),
            SHARED, go.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("p" + p + ".log").toFile());
        procs.add(pb.start());
      }
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
    try (TokenStore store = TokenStores.open(uri)) {
      List<OAuthToken> all = store.getTokens();
      int expected = PROCESSES * THREADS * PER_THREAD + 1;
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
            OAuthToken u = store.findToken(OAuthToken.builder().userName("p" + p + "-t" + t + "-u" + i
                + "@example.com").build()).orElseThrow();
            assertThat(u.refreshToken()).isEqualTo("r-p" + p + "-" + t + "-" + i);
            assertThat(u.accessToken()).isEqualTo("a-p" + p + "-" + t + "-" + i);
          }
        }
      }
      OAuthToken shared = store.findToken(OAuthToken.builder().userName(SHARED).build()).orElseThrow();
      assertThat(shared.id()).isEqualTo(sharedId);
      assertThat(shared.refreshToken()).isEqualTo("r-shared");
      assertThat(shared.accessToken()).matches("a-p[0-2]-[0-3]-[0-9]+");
    }
  }
}
