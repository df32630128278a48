package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.tokenstore.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A token endpoint on loopback (the JDK's HTTP server) that sends its headers at once and then a body that never
 * ends: one byte at a time, or without end. The client's request timeout bounds the whole reply, headers and body,
 * and a body beyond {@link TokenEndpointClient#MAX_BODY_BYTES} is refused without being held in memory.
 */
class HostileReplyBodyTest {
  private HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final AtomicBoolean stop = new AtomicBoolean();
  private String base;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    server.createContext("/trickle/oauth/v2/token", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        out.write("{\"access_token\":\"".getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (!stop.get()) {
          out.write('a');
          out.flush();
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException ended) {
        // the client went away, or the test ended
      }
    });
    server.createContext("/huge/oauth/v2/token", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'a');
      try (OutputStream out = ex.getResponseBody()) {
        out.write("{\"access_token\":\"".getBytes(StandardCharsets.UTF_8));
        for (long sent = 0; sent < (1L << 33) && !stop.get(); sent += chunk.length) { // up to 8 GiB
          out.write(chunk);
        }
      } catch (IOException ended) {
        // the client went away
      }
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() throws InterruptedException {
    stop.set(true);
    server.stop(0);
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static TokenEndpointClient client(Duration timeout) {
    return new TokenEndpointClient(HttpClient.newHttpClient(), timeout);
  }

  @Test
  @Timeout(30) // the reply never ends: without the bound the call would never return
  void aBodyThatTricklesForEverEndsAtTheRequestTimeout() {
    Environment env = Environment.zohoAccounts(base + "/trickle", base + "/trickle");
    OAuthException e = catchThrowableOfType(OAuthException.class,
        () -> client(Duration.ofSeconds(1)).refresh(env, "client", "client-SECRET-value", "rt-SECRET-value"));
    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(e.getMessage()).contains("did not answer within 1000 ms").doesNotContain("SECRET");
  }

  @Test
  @Timeout(60)
  void aBodyLargerThanAnyTokenReplyIsAProtocolError() {
    Environment env = Environment.zohoAccounts(base + "/huge", base + "/huge");
    OAuthException e = catchThrowableOfType(OAuthException.class,
        () -> client(Duration.ofSeconds(60)).refresh(env, "client", "client-SECRET-value", "rt-SECRET-value"));
    assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    assertThat(e.getMessage()).contains("larger than " + TokenEndpointClient.MAX_BODY_BYTES + " bytes")
        .doesNotContain("SECRET");
  }
}
