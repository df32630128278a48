package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.ZohoRecord;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * findToken by user, by id and by refresh token, and saveToken (an update of an existing user's access
 * token), for every built-in store at 1,000, 10,000 and 100,000 stored tokens.
 *
 * <p>Run: {@code ./mvnw -q -pl tokenstore-bench -am package -DskipTests && java -jar
 * tokenstore-bench/target/benchmarks.jar StoreBenchmark}; choose stores and sizes with e.g.
 * {@code -p store=mariadb,postgresql -p tokens=1000,100000}. Add {@code -bm sample} for p50/p99 latencies.
 *
 * <p>A JMH state: JMH drives it (one instance per benchmark run); not for other use, thread-safety is JMH's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreBenchmark {

  /**
   * memory, file (Zoho's CSV), sqlite (a WAL database file), or a server store on a real server from
   * {@code tokenstore-test-servers} (embedded, or the servers named by {@code TOKENSTORE_TEST_MARIADB} /
   * {@code TOKENSTORE_TEST_POSTGRES} / {@code TOKENSTORE_TEST_REDIS_URI}), with pooled connections.
   */
  @Param({"memory", "file", "sqlite", "mariadb", "postgresql", "redis"})
  public String store;

  @Param({"1000", "10000", "100000"})
  public int tokens;

  private Path dir;
  private TokenStore tokenStore;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("tokenstore-bench");
    switch (store) {
      case "memory":
        tokenStore = TokenStores.open("memory:");
        fillThroughApi();
        break;
      case "file":
        // Saving 100,000 tokens one by one rewrites the file 100,000 times; write a Zoho-format file instead,
        // which is also what opening an existing sdk_tokens.txt looks like.
        Path file = dir.resolve("sdk_tokens.txt");
        writeZohoFile(file);
        tokenStore = TokenStores.open("file:" + file);
        break;
      case "sqlite":
        Path db = dir.resolve("tokens.db");
        tokenStore = TokenStores.open("sqlite:" + db);
        bulkLoad(() -> DriverManager.getConnection("jdbc:sqlite:" + db));
        break;
      case "mariadb":
      case "postgresql":
        TestDatabase server = store.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
        tokenStore = TokenStores.open(server.storeUri());
        bulkLoad(server::connect);
        break;
      case "redis":
        tokenStore = TokenStores.open(TestServers.redisStoreUri());
        fillThroughApi();
        break;
      default:
        throw new IllegalArgumentException("unknown store " + store);
    }
    if (tokenStore.getTokens().size() != tokens) {
      throw new IllegalStateException("store holds " + tokenStore.getTokens().size() + " tokens, expected " + tokens);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    tokenStore.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void fillThroughApi() {
    for (int i = 1; i <= tokens; i++) {
      tokenStore.saveToken(token(i));
    }
  }

  /** Rows in Zoho's layout by batched INSERTs after the store made its schema: 100,000 saves would take minutes. */
  private void bulkLoad(ConnectionSource source) {
    try (Connection c = source.get(); PreparedStatement ps = c.prepareStatement("INSERT INTO oauthtoken (id, "
        + "user_name, client_id, client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url, "
        + "api_domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      c.setAutoCommit(false);
      for (int i = 1; i <= tokens; i++) {
        List<String> values = ZohoRecord.toValues(token(i).toBuilder().id(Integer.toString(i)).build());
        for (int k = 0; k < values.size(); k++) {
          ps.setString(k + 1, values.get(k));
        }
        ps.addBatch();
        if (i % 1000 == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("bulk load failed", e);
    }
  }

  @FunctionalInterface
  private interface ConnectionSource {
    Connection get() throws SQLException;
  }

  private void writeZohoFile(Path file) {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,"
          + "redirect_url,api_domain\n");
      for (int i = 1; i <= tokens; i++) {
        OAuthToken t = token(i);
        w.write(i + "," + t.userName() + "," + t.clientId() + "," + t.clientSecret() + "," + t.refreshToken() + ","
            + t.accessToken() + ",," + t.expiresAt().toEpochMilli() + "," + t.redirectUrl() + "," + t.apiDomain()
            + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static OAuthToken token(int i) {
    return OAuthToken.builder()
        .userName("user" + i + "@example.com")
        .clientId("1000.BENCHCLIENT")
        .clientSecret("bench-secret")
        .refreshToken("1000.refresh." + i)
        .accessToken("1000.access." + i)
        .expiresAt(java.time.Instant.ofEpochMilli(1_900_000_000_000L + i))
        .redirectUrl("https://app.example.com/cb")
        .apiDomain("https://www.zohoapis.com")
        .build();
  }

  private int pick() {
    return ThreadLocalRandom.current().nextInt(1, tokens + 1);
  }

  @Benchmark
  public Object findByUser() {
    return tokenStore.findToken(OAuthToken.builder().userName("user" + pick() + "@example.com").build()).orElseThrow();
  }

  @Benchmark
  public Object findById() {
    return tokenStore.findTokenById(Integer.toString(pick())).orElseThrow();
  }

  @Benchmark
  public Object findByRefreshToken() {
    return tokenStore.findToken(OAuthToken.builder().refreshToken("1000.refresh." + pick()).build()).orElseThrow();
  }

  @Benchmark
  public Object saveUpdate() {
    int i = pick();
    return tokenStore.saveToken(OAuthToken.builder()
        .userName("user" + i + "@example.com")
        .clientId("1000.BENCHCLIENT")
        .accessToken("1000.access." + i + "." + ThreadLocalRandom.current().nextInt())
        .build());
  }
}
