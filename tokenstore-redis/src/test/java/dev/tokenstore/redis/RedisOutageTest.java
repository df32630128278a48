package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.EntryTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.embedded.RedisServer;

/**
 * A server that is down gives a clear STORE_UNAVAILABLE error (never a hang), and the store works again once the
 * server is back. Uses its own embedded server (with a password) that it stops and starts, also when the other
 * tests run against TOKENSTORE_TEST_REDIS_URI.
 */
class RedisOutageTest {
  private static final String PASSWORD = "pw-Secret-42";
  private final RedisTestServer.Started started = RedisTestServer.startOnFreePort(PASSWORD);
  private final int port = started.port(); // restarts of the server below bind it again: it must stay this one
  private RedisServer server = started.server();
  private final String maskedBase = "redis://:***@127.0.0.1:" + port + "/0";

  @AfterEach
  void stop() {
    RedisTestServer.stopQuietly(server);
  }

  private static ErrorCode code(Throwable t) {
    return ((StoreException) t).code();
  }

  @Test
  void aStoppedServerIsAClearErrorAndTheStoreRecoversWhenItIsBack() throws Exception {
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0?prefix=outage&timeout=2000";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("a@example.com").refreshToken("r-1").build());
      assertThat(store.findTokenById(saved.id())).contains(saved);

      server.stop();
      for (int i = 0; i < 3; i++) { // pooled connections and new connections alike
        assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("b@example.com").refreshToken("r-2")
                .build()))
            .isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
            .hasMessageContaining(maskedBase)
            .hasMessageContaining("reconnects by itself")
            .hasMessageNotContaining(PASSWORD)
            .hasMessageNotContaining("r-2");
        assertThatThrownBy(store::getTokens)
            .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
      }

      server = RedisTestServer.start(port, PASSWORD); // same port; the data is gone (no persistence)
      OAuthToken again = store.saveToken(OAuthToken.builder().userName("b@example.com").refreshToken("r-2").build());
      assertThat(store.findToken(OAuthToken.builder().userName("b@example.com").build())).contains(again);
      assertThat(store.getTokens()).containsExactly(again);
    }
  }

  @Test
  void entriesOnAStoppedServerAreStoreUnavailableWithoutNamesOrValuesAndWorkWhenItIsBack() throws Exception {
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0?prefix=outage-entries&timeout=2000";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      EntryTable e = store.capability(EntryTable.class).orElseThrow();
      e.put("api-key", "name-1", "value-1");
      server.stop();
      List<Runnable> ops = List.of(() -> e.get("api-key", "name-1"), () -> e.list("api-key"),
          () -> e.insert("api-key", "name-2", "value-2"), () -> e.put("api-key", "name-1", "value-3"),
          () -> e.remove("api-key", "name-1"));
      for (Runnable op : ops) {
        assertThatThrownBy(op::run)
            .isInstanceOf(StoreException.class)
            .satisfies(ex -> assertThat(code(ex)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
            .hasMessageContaining("entr")
            .hasMessageContaining(maskedBase)
            .hasMessageNotContaining(PASSWORD)
            .hasMessageNotContaining("name-")
            .hasMessageNotContaining("value-");
      }
      server = RedisTestServer.start(port, PASSWORD); // same port; the data is gone (no persistence)
      assertThat(e.get("api-key", "name-1")).isEmpty();
      assertThat(e.insert("api-key", "name-1", "again")).isTrue();
      assertThat(e.list("api-key")).containsExactly(java.util.Map.entry("name-1", "again"));
    }
  }

  /**
   * Pooled connections are not checked before use (no PING round trip per call): after a restart the pool holds
   * several dead connections, and the first call of each kind still succeeds, each dead one dropped on the way.
   */
  @Test
  void afterARestartTheFirstSaveLeaseAndFindSucceedThoughThePoolHeldManyDeadConnections() throws Exception {
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0?prefix=restart2";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      store.saveToken(OAuthToken.builder().userName("a@example.com").refreshToken("r-1").build());
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      java.util.concurrent.CountDownLatch together = new java.util.concurrent.CountDownLatch(8);
      java.util.List<java.util.concurrent.Future<?>> busy = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        busy.add(pool.submit(() -> {
          together.countDown();
          together.await();
          for (int k = 0; k < 200; k++) {
            store.findToken(OAuthToken.builder().userName("a@example.com").build());
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : busy) {
        f.get();
      }
      pool.shutdown();
      server.stop();
      server = RedisTestServer.start(port, PASSWORD);
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("b@example.com").refreshToken("r-2").build());
      assertThat(store.refreshCoordinator().tryAcquire(
          new dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity("env", saved.id()), java.time.Duration.ofSeconds(5)))
          .isPresent();
      assertThat(store.findToken(OAuthToken.builder().userName("b@example.com").build())).contains(saved);
    }
  }

  @Test
  void aServerRestartedBetweenCallsCausesNoError() throws Exception {
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0?prefix=restart";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      store.saveToken(OAuthToken.builder().userName("a@example.com").refreshToken("r-1").build());
      server.stop();
      server = RedisTestServer.start(port, PASSWORD);
      // the pooled connection is dead; the call is made again on a new one
      assertThat(store.getTokens()).isEmpty();
    }
  }

  @Test
  void aWrongPasswordIsAClearErrorWithoutThePassword() {
    String uri = "redis://:not-the-password@127.0.0.1:" + port + "/0";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      assertThatThrownBy(store::getTokens)
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
          .hasMessageContaining(maskedBase)
          .hasMessageNotContaining("not-the-password")
          .hasMessageNotContaining(PASSWORD);
    }
  }

  @Test
  void noServerOnThePortIsAClearError() {
    int closedPort = RedisTestServer.freePort();
    try (RedisTokenStore store = RedisTokenStore.open("redis://127.0.0.1:" + closedPort + "/0?timeout=500")) {
      assertThatThrownBy(() -> store.findToken(OAuthToken.builder().userName("x").build()))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
          .hasMessageContaining("redis://127.0.0.1:" + closedPort + "/0")
          .hasMessageContaining("Check that the server runs");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // a guard against a hang, not a measurement
  void aServerThatAcceptsButNeverAnswersIsAClearErrorNotAHang() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        List<Socket> held = new ArrayList<>();
        try {
          while (true) {
            held.add(silent.accept()); // accept, read nothing, answer nothing
          }
        } catch (IOException e) {
          for (Socket s : held) {
            try {
              s.close();
            } catch (IOException ignored) {
              // closing a test socket
            }
          }
        }
      }, "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
      String uri = "redis://127.0.0.1:" + silent.getLocalPort() + "/0?timeout=300";
      try (RedisTokenStore store = RedisTokenStore.open(uri)) {
        assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().refreshToken("r").build()))
            .isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
            .hasMessageContaining("redis://127.0.0.1:" + silent.getLocalPort());
      }
    }
  }

  @Test
  void tlsToAPlainServerFailsInsteadOfFallingBackToPlainText() {
    String uri = "rediss://:" + PASSWORD + "@127.0.0.1:" + port + "/0?timeout=1000";
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      assertThatThrownBy(store::getTokens)
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
          .hasMessageContaining("rediss://:***@127.0.0.1:" + port)
          .hasMessageNotContaining(PASSWORD);
    }
  }
}
