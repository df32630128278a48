package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    try (ChildJvms children = ChildJvms.start(RedisSaveWorker.class, PROCESSES,
        w -> List.of(uri, Integer.toString(w), Integer.toString(THREADS), Integer.toString(PER_THREAD)))) {
      children.startTogether(Duration.ofSeconds(60));
      children.joinAll(Duration.ofSeconds(120));
      Map<String, String> idByUser = new HashMap<>();
      List<String> ids = new ArrayList<>();
      for (ChildJvms.Child child : children.children()) {
        List<String> lines = child.lines();
        assertThat(lines).as("output of %s", child.name()).startsWith(ChildJvms.READY).endsWith("DONE");
        for (String line : lines.subList(1, lines.size() - 1)) {
          assertThat(line).startsWith("SAVED ");
          String[] parts = line.split(" ");
          idByUser.put(parts[1], parts[2]);
          ids.add(parts[2]);
        }
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
      RedisKeys.drop(prefix);
    }
  }
}
