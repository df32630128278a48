package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Three JVMs with several threads each save into one store at once: nothing lost, nothing duplicated. */
class RedisMultiProcessTest {
  private static final int PROCESSES = 3;
  private static final int THREADS = 4;
  private static final int PER_THREAD = 25;

  @Test
  void threeProcessesSavingAtOnceLoseNothingAndDuplicateNothing() throws Exception {
    String prefix = RedisTestServer.freshPrefix();
    String uri = RedisTestServer.storeUri(prefix);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    List<BlockingQueue<String>> outputs = new ArrayList<>();
    try {
      for (int w = 0; w < PROCESSES; w++) {
        Process p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
            RedisSaveWorker.class.getName(), uri, Integer.toString(w), Integer.toString(THREADS),
            Integer.toString(PER_THREAD))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        processes.add(p);
        outputs.add(lines(p));
      }
      for (BlockingQueue<String> out : outputs) {
        assertThat(out.poll(60, TimeUnit.SECONDS)).as("worker ready").isEqualTo("READY");
      }
      for (Process p : processes) {
        Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        w.write("GO\n");
        w.flush();
      }
      Map<String, String> idByUser = new HashMap<>();
      List<String> ids = new ArrayList<>();
      for (BlockingQueue<String> out : outputs) {
        while (true) {
          String line = out.poll(120, TimeUnit.SECONDS);
          assertThat(line).as("worker output before the deadline").isNotNull();
          if (line.equals("DONE")) {
            break;
          }
          assertThat(line).startsWith("SAVED ");
          String[] parts = line.split(" ");
          idByUser.put(parts[1], parts[2]);
          ids.add(parts[2]);
        }
      }
      for (Process p : processes) {
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
      }

      int distinct = PROCESSES * THREADS * PER_THREAD;
      assertThat(idByUser).hasSize(distinct);
      assertThat(Set.copyOf(ids)).as("no id given twice").hasSize(distinct);
      try (RedisTokenStore store = RedisTokenStore.open(uri); RedisKeys redis = new RedisKeys()) {
        List<OAuthToken> all = store.getTokens();
        assertThat(all).hasSize(distinct + 1);
        assertThat(all.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(distinct + 1);
        for (Map.Entry<String, String> e : idByUser.entrySet()) {
          OAuthToken t = store.findToken(OAuthToken.builder().userName(e.getKey()).build()).orElseThrow();
          assertThat(t.id()).isEqualTo(e.getValue());
          assertThat(t.accessToken()).isEqualTo("a-" + e.getKey());
        }
        OAuthToken shared = store.findToken(OAuthToken.builder().userName("shared@example.com").build()).orElseThrow();
        assertThat(shared.accessToken()).startsWith("a-shared-");
        assertThat(store.findToken(OAuthToken.builder().accessToken(shared.accessToken()).build())).contains(shared);

        // every record has exactly its token hash, user, access and refresh index keys; each index names one id
        Set<String> keys = redis.keys(prefix);
        assertThat(keys).hasSize(2 + 4 * (distinct + 1));
        for (String k : keys) {
          if (k.matches("\\{.*\\}:(user|access|refresh):[0-9a-f]{40}")) {
            assertThat(redis.jedis.scard(k)).as(k).isEqualTo(1L);
          }
        }
      }
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      RedisKeys.drop(prefix);
    }
  }

  private static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          q.add(line);
        }
      } catch (java.io.IOException e) {
        q.add("ERROR reading worker output: " + e);
      }
    }, "worker-output");
    t.setDaemon(true);
    t.start();
    return q;
  }
}
