package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.ChildJvms;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    try (ChildJvms children = ChildJvms.start(ServerWriterMain.class, PROCESSES,
        p -> List.of(uri, "p" + p, String.valueOf(THREADS), String.valueOf(PER_THREAD), SHARED))) {
      children.startTogether(Duration.ofSeconds(60));
      children.joinAll(Duration.ofSeconds(120));
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
