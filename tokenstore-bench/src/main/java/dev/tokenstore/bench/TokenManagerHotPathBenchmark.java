package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The hot path of {@link TokenManager#getToken}: a valid stored token handed out from memory (no store read,
 * no server call). Run with {@code -t 1}, {@code -t 8}, {@code -t 64} for the thread counts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenManagerHotPathBenchmark {
  /** {@code on}: the memory store behind an {@code EncryptedTokenStore}; the hot path must not notice. */
  @Param({"off", "on"})
  public String encryption;

  private TokenStore store;
  private TokenManager manager;
  private OAuthToken byUser;
  private OAuthToken byId;
  private OAuthToken byRefresh;

  @Setup
  public void setUp() {
    store = encryption.equals("on")
        ? EncryptedTokenStore.wrap(MemoryTokenStore.create(), KeyProviders.fixed(Keyring.generate(Clock.systemUTC())))
        : MemoryTokenStore.create();
    // Port 9 (discard) on loopback: the benchmark never calls the server; a call would fail loudly.
    manager = TokenManager.builder()
        .store(store)
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "http://127.0.0.1:9"))
        .build();
    Instant far = Instant.now().plus(3650, ChronoUnit.DAYS);
    for (int i = 0; i < 1000; i++) {
      store.saveToken(OAuthToken.builder().userName("user" + i + "@example.com").clientId("client")
          .clientSecret("secret").refreshToken("rt-" + i).accessToken("at-" + i).expiresAt(far).build());
    }
    byUser = OAuthToken.builder().userName("user500@example.com").build();
    String id = store.findToken(byUser).orElseThrow().id();
    byId = OAuthToken.builder().id(id).build();
    byRefresh = OAuthToken.builder().clientId("client").clientSecret("secret").refreshToken("rt-500").build();
    manager.getToken(byUser);
    manager.getToken(byId);
    manager.getToken(byRefresh);
  }

  @TearDown
  public void tearDown() {
    if (manager.metrics().tokenEndpointCalls() != 0) {
      throw new IllegalStateException("the hot path called the token endpoint");
    }
    store.close();
  }

  @Benchmark
  public OAuthToken byUserName() {
    return manager.getToken(byUser);
  }

  @Benchmark
  public OAuthToken byId() {
    return manager.getToken(byId);
  }

  @Benchmark
  public OAuthToken byRefreshToken() {
    return manager.getToken(byRefresh);
  }

  /** For comparison: the store round trip the hot path avoids. */
  @Benchmark
  public OAuthToken storeFindByUser() {
    return store.findToken(byUser).orElseThrow();
  }
}
