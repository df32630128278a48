package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.spi.RefreshCoordinator;
import dev.tokenstore.testservers.TestServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What cross-process refresh coordination costs, per shared store, with the store's coordinator
 * ({@code coordination=store}: lease + reread + compare-and-set save) against in-JVM single flight only
 * ({@code coordination=inJvm}: plain save).
 *
 * <ul>
 *   <li>{@link #hotPath}: a valid token handed out from memory; the coordinator is never touched, so both
 *       settings should match {@link TokenManagerHotPathBenchmark}.
 *   <li>{@link #refreshUncontended}: one thread, one manager, {@code refresh} (forced) against the local accounts
 *       emulator: the full refresh with its store round trips.
 *   <li>{@link #refreshContended}: four threads, each with its own manager and store handle (as four processes
 *       would), refreshing the same token: latency per call including lease waits; most calls end by using the
 *       token a sibling just saved, as they should.
 * </ul>
 * And the coordination steps alone, without HTTP:
 * <ul>
 *   <li>{@link #leaseAcquireRelease}: {@code tryAcquire} + {@code close} of a lease (store: on the engine;
 *       inJvm: a map);
 *   <li>{@link #saveAfterRefresh}: the save of a refresh result (store: {@code saveTokenIf}, compare-and-set;
 *       inJvm: {@code saveToken}).
 * </ul>
 * The emulator's JDK HTTP server runs with {@code sun.net.httpserver.nodelay=true}; without it each loopback
 * round trip waits about 40 ms for a delayed ACK, which would hide everything else.
 *
 * <p>Servers: SQLite and file in a temp folder, MariaDB/PostgreSQL from {@link TestServers}, Redis embedded on a free
 * port (or {@code TOKENSTORE_TEST_REDIS_URI}). Run: {@code java -jar tokenstore-bench/target/benchmarks.jar
 * RefreshCoordinationBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dsun.net.httpserver.nodelay=true")
public class RefreshCoordinationBenchmark {

  /** The shared store and its engine. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"sqlite", "file", "mariadb", "postgresql", "redis"})
    public String store;

    /** store: the store's coordinator and conditional saves; inJvm: single flight in this JVM only. */
    @Param({"store", "inJvm"})
    public String coordination;

    AccountsEmulator zoho;
    String uri;
    String id;
    Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      zoho = AccountsEmulator.builder().accessTokenTtl(Duration.ofHours(1))
          .accessTokensPerRefreshWindow(Integer.MAX_VALUE, Duration.ofMinutes(10)).start();
      dir = Files.createTempDirectory("refresh-bench");
      uri = switch (store) {
        case "sqlite" -> "sqlite:" + dir.resolve("tokens.db");
        case "file" -> "file:" + dir.resolve("sdk_tokens.txt");
        case "mariadb" -> TestServers.mariadb().storeUri();
        case "postgresql" -> TestServers.postgres().storeUri();
        case "redis" -> TestServers.redisStoreUri();
        default -> throw new IllegalArgumentException(store);
      };
      try (TokenStore s = TokenStores.open(uri)) {
        TokenManager m = manager(s);
        OAuthToken t = m.getToken(OAuthToken.builder().clientId("1000.BENCH").clientSecret("secret")
            .redirectUrl("http://127.0.0.1/cb").grantToken(zoho.issueGrantCode("1000.BENCH", "http://127.0.0.1/cb",
                "ZohoCRM.modules.ALL")).build());
        id = t.id(); // valid for an hour: the hot path never refreshes
      }
    }

    TokenManager manager(TokenStore s) {
      TokenManager.Builder b = TokenManager.builder().store(s)
          .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain()));
      if (coordination.equals("inJvm")) {
        b.refreshCoordinator(dev.tokenstore.spi.RefreshCoordinator.inJvm());
      }
      return b.build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      // Evidence that the refresh benchmarks called the server (no secret: counters only).
      System.out.println("emulator refresh calls: " + zoho.refreshCalls());
      zoho.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One manager and store handle per thread: a "process". */
  @State(Scope.Thread)
  public static class Worker {
    TokenStore store;
    TokenManager manager;
    OAuthToken byId;
    boolean onStore;
    RefreshCoordinator coordinator;
    RefreshCoordinator.RefreshIdentity identity;
    OAuthToken last;
    long n;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      store = TokenStores.open(shared.uri);
      manager = shared.manager(store);
      byId = OAuthToken.builder().id(shared.id).build();
      last = manager.getToken(byId);
      onStore = shared.coordination.equals("store");
      coordinator = onStore ? store.capability(RefreshCoordination.class).orElseThrow().refreshCoordinator()
          : RefreshCoordinator.inJvm();
      identity = new RefreshCoordinator.RefreshIdentity("bench-" + Thread.currentThread().getId(), shared.id);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }
  }

  @Benchmark
  public long leaseAcquireRelease(Worker w) {
    RefreshCoordinator.RefreshLease lease = w.coordinator.tryAcquire(w.identity, Duration.ofSeconds(30))
        .orElseThrow(() -> new IllegalStateException("the benchmark's own lease was not granted"));
    long fence = lease.fence();
    lease.close();
    return fence;
  }

  @Benchmark
  public OAuthToken saveAfterRefresh(Worker w) {
    w.n++;
    OAuthToken update = OAuthToken.builder().id(w.last.id()).accessToken("bench-access-" + w.n)
        .refreshToken(w.last.refreshToken()).expiresAt(w.last.expiresAt()).build();
    OAuthToken saved = w.onStore
        ? w.store.capability(ConditionalSave.class).orElseThrow().saveTokenIf(w.last, update)
            .orElseThrow(() -> new IllegalStateException("compare-and-set refused in a single-thread benchmark"))
        : w.store.saveToken(update);
    w.last = saved;
    return saved;
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public OAuthToken hotPath(Worker w) {
    return w.manager.getToken(w.byId);
  }

  @Benchmark
  public OAuthToken refreshUncontended(Worker w) {
    return w.manager.refresh(w.byId);
  }

  @Benchmark
  @Threads(4)
  public OAuthToken refreshContended(Worker w) {
    return w.manager.refresh(w.byId);
  }

}
