package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.testservers.TestServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
 * The cost of encryption at rest per store: findToken by user and by refresh token, and saveToken (an update of a
 * user's access token), with the store plain ({@code encryption=off}) and behind an {@code EncryptedTokenStore}
 * ({@code on}), at 1,000 tokens saved through the API (so that the encrypted variant holds encrypted records).
 *
 * <p>Run: {@code ./mvnw -q -pl tokenstore-bench -am package -DskipTests && java -jar
 * tokenstore-bench/target/benchmarks.jar EncryptionBenchmark -bm avgt -tu us}; pick stores with
 * {@code -p store=sqlite,postgresql}. The TokenManager hot path with encryption on is
 * {@code TokenManagerHotPathBenchmark -p encryption=on}.
 *
 * <p>A JMH state: JMH drives it; thread-safety is JMH's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EncryptionBenchmark {

  @Param({"memory", "file", "sqlite", "mariadb", "postgresql", "redis"})
  public String store;

  @Param({"off", "on"})
  public String encryption;

  @Param({"1000"})
  public int tokens;

  private Path dir;
  private TokenStore tokenStore;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("tokenstore-bench");
    String uri = switch (store) {
      case "memory" -> "memory:";
      case "file" -> "file:" + dir.resolve("sdk_tokens.txt");
      case "sqlite" -> "sqlite:" + dir.resolve("tokens.db");
      case "mariadb" -> TestServers.mariadb().storeUri();
      case "postgresql" -> TestServers.postgres().storeUri();
      case "redis" -> TestServers.redisStoreUri();
      default -> throw new IllegalArgumentException("unknown store " + store);
    };
    TokenStore plain = TokenStores.open(uri);
    plain.deleteTokens();
    tokenStore = encryption.equals("on")
        ? EncryptedTokenStore.wrap(plain, KeyProviders.fixed(Keyring.generate(Clock.systemUTC())))
        : plain;
    for (int i = 1; i <= tokens; i++) {
      tokenStore.saveToken(StoreBenchmark.token(i));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    tokenStore.deleteTokens();
    tokenStore.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private int pick() {
    return ThreadLocalRandom.current().nextInt(1, tokens + 1);
  }

  @Benchmark
  public Object findByUser() {
    return tokenStore.findToken(OAuthToken.builder().userName("user" + pick() + "@example.com").build()).orElseThrow();
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
