package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
 * tokenstore-bench/target/benchmarks.jar StoreBenchmark}. Add {@code -bm sample} for p50/p99 latencies.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreBenchmark {

  /** memory, file (Zoho's CSV) or sqlite (a WAL database file). */
  @Param({"memory", "file", "sqlite"})
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
        tokenStore = TokenStores.open("sqlite:" + dir.resolve("tokens.db"));
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
