package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from a PKCS#12 file made by the JDK's keytool; the client verifies the certificate (never disabled). */
class TlsTest {
  @TempDir Path dir;

  private void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void servesHttpsWithTheKeyStoresCertificate() throws Exception {
    Path ks = dir.resolve("serve.p12");
    keytool("-genkeypair", "-alias", "serve", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
        "-storepass", "serve-pass");
    Path cert = dir.resolve("serve.crt");
    keytool("-exportcert", "-alias", "serve", "-keystore", ks.toString(), "-storepass", "serve-pass", "-file",
        cert.toString());
    Path trust = dir.resolve("trust.p12");
    keytool("-importcert", "-noprompt", "-alias", "serve", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", trust.toString(), "-storepass", "trust-pass");

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(trust)) {
      trusted.load(in, "trust-pass".toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);

    try (TokenStore store = TokenStores.open("memory:");
        TokenServer server = TokenServer.builder(store).port(0).tls(ks, "serve-pass".toCharArray()).build()
            .start()) {
      assertThat(server.uri().getScheme()).isEqualTo("https");
      String key = server.apiKeys().create("tls", ApiScope.READ).key();
      Http https = new Http(server.uri(), HttpClient.newBuilder().sslContext(ssl).build());
      Http.Reply r = https.get("/api/v1/tokens", key);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      // a client that does not trust the certificate is refused by the handshake
      Http untrusting = new Http(server.uri());
      assertThatThrownBy(() -> untrusting.get("/healthz", null))
          .hasStackTraceContaining("SSLHandshakeException").hasStackTraceContaining("PKIX path building failed");
    }
  }

  @Test
  void aWrongPasswordIsAClearErrorAtStart() throws Exception {
    Path ks = dir.resolve("serve.p12");
    keytool("-genkeypair", "-alias", "serve", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "serve-pass");
    try (TokenStore store = TokenStores.open("memory:")) {
      TokenServer server = TokenServer.builder(store).port(0).tls(ks, "wrong".toCharArray()).build();
      assertThatThrownBy(server::start).isInstanceOf(TokenstoreException.class)
          .satisfies(e -> assertThat(((TokenstoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
          .hasMessageContaining("TLS key store").hasMessageNotContaining("wrong");
      server.close();
    }
  }
}
