package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rediss:// verifies the server's certificate: a TLS server with a self-signed certificate (made by the JDK's
 * keytool) is refused, never trusted silently.
 */
class RedisTlsTest {
  @TempDir Path dir;

  @Test
  void aCertificateTheJvmDoesNotTrustIsRefused() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "redis", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true)
        .start();
    try {
      assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
      assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    } finally {
      keytool.destroyForcibly();
    }

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);

    try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try (SSLSocket s = (SSLSocket) server.accept()) {
            s.startHandshake(); // the client aborts it
          } catch (Exception e) {
            // expected: the client refuses the certificate, or the test closed the server
          }
        }
      }, "tls-server");
      acceptor.setDaemon(true);
      acceptor.start();

      String uri = "rediss://:tls-Pass-9@127.0.0.1:" + server.getLocalPort() + "/0?timeout=2000";
      try (RedisTokenStore store = RedisTokenStore.open(uri)) {
        assertThatThrownBy(store::getTokens)
            .isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
            .hasMessageContaining("rediss://:***@127.0.0.1:" + server.getLocalPort())
            .hasMessageNotContaining("tls-Pass-9")
            .satisfies(e -> assertThat(causes(e)).as("the failure is the certificate check")
                .anyMatch(c -> c instanceof SSLHandshakeException));
      }
    }
  }

  private static java.util.List<Throwable> causes(Throwable e) {
    java.util.List<Throwable> out = new java.util.ArrayList<>();
    java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
    todo.add(e);
    while (!todo.isEmpty() && out.size() < 50) {
      Throwable t = todo.poll();
      out.add(t);
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(java.util.List.of(t.getSuppressed()));
    }
    return out;
  }
}
