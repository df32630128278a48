package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Large stores (100,000 and 1,000,000 tokens) and cold-versus-warm finds, measured by a plain driver rather than
 * JMH: what is asked here is the first call of a fresh JVM (open time, the first 2,000 finds) and the heap a store
 * holds, which JMH's forks, warm-up and iteration structure hide or do not report. Every latency is one call timed
 * with {@code System.nanoTime}, so p50/p99 are over single calls, like JMH's {@code -bm sample}.
 *
 * <p>The populated databases are fixtures under {@code tokenstore-bench/target/large-fixtures/<store>-<tokens>/},
 * made once by {@code populate} (the SPI's bulk save, {@code TokenStore.saveTokens}, in batches) and reused by
 * every later {@code measure} or {@code cold} run in a fresh JVM. PostgreSQL is an embedded server (zonky, the
 * library {@code tokenstore-test-servers} uses) whose data folder is the fixture, started before the clock runs.
 *
 * <pre>
 * J="java -Xmx4g -cp tokenstore-bench/target/benchmarks.jar dev.tokenstore.bench.LargeStoreRun"
 * $J populate sqlite 1000000      # once; likewise postgresql, file
 * $J measure sqlite 1000000       # open + first find, heap held, find/save p50/p99
 * $J measure memory 1000000       # fills in-process (no fixture); reports the fill instead of an open
 * $J cold sqlite 1000             # the first 2,000 finds by user of a fresh JVM, then 2,000 warm ones
 * </pre>
 *
 * <p>Not thread-safe; one run per JVM.
 */
public final class LargeStoreRun {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final Path FIXTURES = Path.of("tokenstore-bench", "target", "large-fixtures");

  /** Where results go, so that no call is optimised away. */
  @SuppressWarnings("unused")
  private static volatile Object sink;

  private final String store;
  private final int tokens;
  private final Path dir;
  private final SplittableRandom random = new SplittableRandom(42);
  private EmbeddedPostgres postgres;

  private LargeStoreRun(String store, int tokens) {
    this.store = store;
    this.tokens = tokens;
    this.dir = FIXTURES.resolve(store + "-" + tokens).toAbsolutePath();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: LargeStoreRun populate|measure|cold memory|file|sqlite|postgresql TOKENS");
      System.exit(2);
    }
    LargeStoreRun run = new LargeStoreRun(args[1], Integer.parseInt(args[2]));
    try {
      switch (args[0]) {
        case "populate":
          run.populate();
          break;
        case "measure":
          run.measure();
          break;
        case "cold":
          run.cold();
          break;
        default:
          throw new IllegalArgumentException("unknown command " + args[0]);
      }
    } finally {
      run.stopPostgres();
    }
    System.exit(0);
  }

  private String uri() throws IOException {
    switch (store) {
      case "memory":
        return "memory:";
      case "file":
        return "file:" + dir.resolve("sdk_tokens.txt");
      case "sqlite":
        return "sqlite:" + dir.resolve("tokens.db");
      case "postgresql":
        startPostgres();
        return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/tokens";
      default:
        throw new IllegalArgumentException("unknown store " + store);
    }
  }

  private void startPostgres() throws IOException {
    if (postgres == null) {
      long t0 = System.nanoTime();
      Path data = dir.resolve("pgdata");
      boolean fresh = !Files.exists(data.resolve("PG_VERSION"));
      postgres = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
      if (fresh) {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE DATABASE tokens");
        } catch (java.sql.SQLException e) {
          throw new IllegalStateException(e);
        }
      }
      System.out.printf(Locale.ROOT, "postgres server started in %.0f ms (not counted in the open time)%n",
          (System.nanoTime() - t0) / 1e6);
    }
  }

  private void stopPostgres() throws IOException {
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private void populate() throws IOException {
    if (store.equals("memory")) {
      throw new IllegalArgumentException("the memory store has no fixture; measure fills it");
    }
    Files.createDirectories(dir);
    String uri = uri();
    long t0 = System.nanoTime();
    try (AutoCloseableStore s = new AutoCloseableStore(TokenStores.open(uri))) {
      if (!s.store.getTokens().isEmpty()) {
        throw new IllegalStateException(dir + " already holds tokens; delete it to populate again");
      }
      fill(s.store);
      System.out.printf(Locale.ROOT, "populated %s with %,d tokens in %.1f s%n", dir, tokens,
          (System.nanoTime() - t0) / 1e9);
      check(s.store);
    }
  }

  /** Bulk saves: one saveTokens per 10,000 tokens (the file store: one call, so one rewrite). */
  private void fill(TokenStore s) {
    int batch = store.equals("file") ? tokens : 10_000;
    for (int from = 1; from <= tokens; from += batch) {
      List<OAuthToken> list = new ArrayList<>(batch);
      for (int i = from; i < from + batch && i <= tokens; i++) {
        list.add(StoreBenchmark.token(i));
      }
      s.saveTokens(list);
    }
  }

  /** Token i has id i (saved in order into an empty store); fail loudly if the fixture is not that. */
  private void check(TokenStore s) {
    for (int i : new int[] {1, tokens / 2, tokens}) {
      OAuthToken t = s.findTokenById(Integer.toString(i)).orElseThrow(() -> new IllegalStateException("no id"));
      if (!t.userName().equals("user" + i + "@example.com")) {
        throw new IllegalStateException("id " + i + " holds " + t.userName());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private void measure() throws IOException {
    String uri = uri();
    long heap0 = usedHeapAfterGc();
    long t0 = System.nanoTime();
    TokenStore s = TokenStores.open(uri);
    long tOpened = System.nanoTime();
    if (store.equals("memory")) {
      fill(s);
    }
    findByUser(s, pick());
    long t1 = System.nanoTime();
    for (int k = 0; k < 1000; k++) {
      findByUser(s, pick());
    }
    long heap1 = usedHeapAfterGc();
    System.out.printf(Locale.ROOT, "%s %,d tokens%n", store, tokens);
    if (store.equals("memory")) {
      System.out.printf(Locale.ROOT, "fill (saveTokens, batches of 10,000) + first find: %.0f ms%n",
          (t1 - t0) / 1e6);
    } else {
      System.out.printf(Locale.ROOT, "open: TokenStores.open %.0f ms, + first find %.0f ms%n",
          (tOpened - t0) / 1e6, (t1 - t0) / 1e6);
    }
    System.out.printf(Locale.ROOT, "heap held after open + 1,000 finds: %.1f MB (used after GC %.1f -> %.1f MB)%n",
        (heap1 - heap0) / 1e6, heap0 / 1e6, heap1 / 1e6);
    check(s);

    boolean slowSaves = store.equals("file");
    int finds = store.equals("postgresql") ? 10_000 : 20_000;
    // warm-up: 10 s of the three finds, then 2 s (file: 2 saves) of saves
    warm(s, 10_000);
    latency("findToken by user", finds, i -> findByUser(s, i));
    latency("findTokenById", finds, i -> findById(s, i));
    latency("findToken by refresh token", finds, i -> findByRefreshToken(s, i));
    int saves = slowSaves ? (tokens >= 1_000_000 ? 10 : 30) : 2_000;
    latency("saveToken (update), warm-up", slowSaves ? 2 : 500, i -> save(s, i));
    latency("saveToken (update)", saves, i -> save(s, i));
    // The file store keeps each record's encoded line from the first rewrite on: more heap after a save.
    System.out.printf(Locale.ROOT, "heap held after the saves: %.1f MB%n", (usedHeapAfterGc() - heap0) / 1e6);
    s.close();
  }

  private void warm(TokenStore s, long millis) {
    long end = System.nanoTime() + millis * 1_000_000L;
    long n = 0;
    while (System.nanoTime() < end) {
      int i = pick();
      findByUser(s, i);
      findById(s, i);
      findByRefreshToken(s, i);
      n++;
    }
    System.out.printf(Locale.ROOT, "warm-up: %,d rounds of the three finds in %d ms%n", n, millis);
  }

  private void cold() throws IOException {
    if (!store.equals("sqlite") && !store.equals("postgresql") && !store.equals("file")) {
      throw new IllegalArgumentException("cold runs on a fixture store");
    }
    String uri = uri();
    long t0 = System.nanoTime();
    TokenStore s = TokenStores.open(uri);
    long opened = System.nanoTime();
    System.out.printf(Locale.ROOT, "%s %,d tokens, fresh JVM; TokenStores.open %.0f ms%n", store, tokens,
        (opened - t0) / 1e6);
    latency("cold: first 2,000 findToken by user", 2_000, i -> findByUser(s, i));
    long end = System.nanoTime() + 20_000_000_000L;
    long n = 0;
    while (System.nanoTime() < end) {
      findByUser(s, pick());
      n++;
    }
    System.out.printf(Locale.ROOT, "warm-up: %,d finds in 20 s%n", n);
    latency("warm: 2,000 findToken by user", 2_000, i -> findByUser(s, i));
    s.close();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static void findByUser(TokenStore s, int i) {
    sink = s.findToken(OAuthToken.builder().userName("user" + i + "@example.com").build()).orElseThrow();
  }

  private static void findById(TokenStore s, int i) {
    sink = s.findTokenById(Integer.toString(i)).orElseThrow();
  }

  private static void findByRefreshToken(TokenStore s, int i) {
    sink = s.findToken(OAuthToken.builder().refreshToken("1000.refresh." + i).build()).orElseThrow();
  }

  private void save(TokenStore s, int i) {
    sink = s.saveToken(OAuthToken.builder()
        .userName("user" + i + "@example.com")
        .clientId("1000.BENCHCLIENT")
        .accessToken("1000.access." + i + "." + random.nextInt())
        .build());
  }

  private int pick() {
    return random.nextInt(1, tokens + 1);
  }

  private void latency(String what, int calls, IntConsumer op) {
    long[] ns = new long[calls];
    long start = System.nanoTime();
    for (int k = 0; k < calls; k++) {
      int i = pick();
      long t = System.nanoTime();
      op.accept(i);
      ns[k] = System.nanoTime() - t;
    }
    long total = System.nanoTime() - start;
    Arrays.sort(ns);
    System.out.printf(Locale.ROOT, "%-40s n=%,6d  p50 %,10.1f us  p99 %,10.1f us  max %,11.1f us  mean %,10.1f us"
            + "  total %,8.1f ms%n", what, calls, ns[calls / 2] / 1e3, ns[(int) Math.min(calls - 1, calls * 0.99)] / 1e3,
        ns[calls - 1] / 1e3, Arrays.stream(ns).average().orElse(0) / 1e3, total / 1e6);
  }

  private static long usedHeapAfterGc() {
    for (int k = 0; k < 3; k++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  private static final class AutoCloseableStore implements AutoCloseable {
    final TokenStore store;

    AutoCloseableStore(TokenStore store) {
      this.store = store;
    }

    @Override
    public void close() {
      store.close();
    }
  }
}
