package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that is not there gives a clear {@code STORE_UNAVAILABLE} (never a password), and a store whose
 * server goes away works again once it is back. The outage is a {@link TcpProxy} in front of the real server
 * that is stopped and started again on the same port.
 */
class ServerOutageTest {
  private static final String PASSWORD = "pw-NEVER-SHOWN";

  private static TestDatabase database(String engine) {
    return engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
  }

  private static String uri(String engine, String auth, int port, String database) {
    return (engine.equals("mariadb") ? "mariadb://" : "postgresql://") + auth + "@127.0.0.1:" + port + "/" + database
        + (engine.equals("mariadb") ? "?sslMode=disable" : "");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void openingAgainstAClosedPortIsStoreUnavailableWithoutThePassword(String engine) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String uri = uri(engine, "app:" + PASSWORD, closedPort, "zohooauth");
    assertThatThrownBy(() -> TokenStores.open(uri))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
          assertThat(e.getMessage()).contains("127.0.0.1:" + closedPort + "/zohooauth").contains("reachable");
          for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(PASSWORD);
          }
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void aStoreWhoseServerGoesAwayFailsCleanlyAndWorksWhenItIsBack(String engine) throws Exception {
    TestDatabase db = database(engine);
    String auth = db.password().isEmpty() ? db.user() : db.user() + ":" + db.password();
    try (TcpProxy proxy = new TcpProxy(db.host(), db.port());
        TokenStore store = TokenStores.open(uri(engine, auth, proxy.port(), db.database()))) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("u@example.com").refreshToken("r1").build());

      proxy.stop();
      OAuthToken query = OAuthToken.builder().userName("u@example.com").build();
      for (int i = 0; i < 2; i++) { // a pooled connection that died, then no connection to be had
        assertThatThrownBy(() -> store.findToken(query))
            .isInstanceOf(StoreException.class)
            .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
      }
      assertThatThrownBy(() -> store.saveToken(query.toBuilder().accessToken("a1").build()))
          .isInstanceOf(StoreException.class)
          .satisfies(e -> {
            assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
            assertThat(e.getMessage()).contains("reachable");
          });

      proxy.start();
      assertThat(store.findToken(query)).contains(saved);
      assertThat(store.saveToken(query.toBuilder().accessToken("a2").build()).accessToken()).isEqualTo("a2");
      assertThat(store.getTokens()).hasSize(1);
    }
  }
}
