package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.server.ApiScope;
import dev.tokenstore.server.TokenServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code POST /api/v1/access-token} of {@code tokenstore serve} for a valid stored token, over loopback HTTP/1.1
 * with keep-alive (the JDK's client), against 1 or 3 instances on one SQLite store (requests spread round-robin).
 * Client and servers share this machine's cores, so the figure is the whole round trip, client included. Run with
 * {@code -bm sample} for p50/p99 and {@code -bm thrpt -t 8} for requests per second. The token is never refreshed
 * (it is valid for ten years; the accounts server is a closed port and would fail loudly).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ServeBenchmark {
  @Param({"1", "3"})
  public int instances;

  /**
   * {@code tokenstore}: the service; {@code bare}: a Javalin endpoint on the same Jetty that answers a constant JSON
   * of the same size without reading the body: the baseline, so that the service's own cost is the difference.
   */
  @Param({"tokenstore", "bare"})
  public String server;

  private final List<io.javalin.Javalin> bare = new ArrayList<>();

  private Path dir;
  private TokenStore store;
  private final List<TokenServer> servers = new ArrayList<>();
  private final List<HttpRequest> requests = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private HttpClient client;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("serve-bench");
    store = TokenStores.open("sqlite:" + dir.resolve("tokens.db"));
    Instant far = Instant.now().plus(3650, ChronoUnit.DAYS);
    for (int i = 0; i < 1000; i++) {
      store.saveToken(OAuthToken.builder().userName("user" + i + "@example.com").clientId("1000.BENCH")
          .clientSecret("s").refreshToken("r" + i).accessToken("a" + i).expiresAt(far)
          .apiDomain("http://127.0.0.1:9").build());
    }
    String key = "none";
    if (server.equals("bare")) {
      byte[] reply = ("{\"access_token\":\"a7\",\"authorization_scheme\":\"Zoho-oauthtoken\",\"expires_at\":"
          + "\"2036-12-03T18:00:00Z\",\"expires_in\":315359999,\"api_domain\":\"http://127.0.0.1:9\","
          + "\"user_name\":\"user7@example.com\",\"id\":\"8\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      List<URI> uris = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        io.javalin.Javalin j = io.javalin.Javalin.create(c -> {
          c.startup.showJavalinBanner = false;
          c.routes.post("/api/v1/access-token", ctx -> ctx.contentType("application/json").result(reply));
        }).start("127.0.0.1", 0);
        bare.add(j);
        uris.add(URI.create("http://127.0.0.1:" + j.port()));
      }
      requests(uris, key);
      return;
    }
    key = null;
    for (int i = 0; i < instances; i++) {
      TokenServer s = TokenServer.builder(store).port(0).accessLog(false)
          .environment(Environment.zohoAccounts("http://127.0.0.1:9", "http://127.0.0.1:9")).build().start();
      servers.add(s);
      if (key == null) {
        key = s.apiKeys().create("bench", ApiScope.READ).key();
      }
    }
    requests(servers.stream().map(TokenServer::uri).toList(), key);
  }

  private void requests(List<URI> uris, String key) {
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (URI u : uris) {
      requests.add(HttpRequest.newBuilder(URI.create(u + "/api/v1/access-token"))
          .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"user_name\":\"user7@example.com\"}")).build());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    servers.forEach(TokenServer::close);
    bare.forEach(io.javalin.Javalin::stop);
    store.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public String accessToken() throws IOException, InterruptedException {
    HttpRequest r = requests.get(Math.floorMod(next.getAndIncrement(), requests.size()));
    HttpResponse<String> reply = client.send(r, HttpResponse.BodyHandlers.ofString());
    if (reply.statusCode() != 200) {
      throw new IllegalStateException(reply.statusCode() + " " + reply.body());
    }
    return reply.body();
  }
}
