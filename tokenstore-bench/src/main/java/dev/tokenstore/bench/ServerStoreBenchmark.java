package dev.tokenstore.bench;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * The operations of {@link StoreBenchmark} on the server stores: findToken by user, by id and by refresh token,
 * and saveToken (an update of an existing user's access token, which takes the cross-process write lock), at
 * 1,000 and 100,000 stored tokens, through the store's own connection pool.
 *
 * <p>Servers come from {@link TestServers}: embedded MariaDB and PostgreSQL started in the benchmark's JVM, or the
 * servers named by {@code TOKENSTORE_TEST_MARIADB} / {@code TOKENSTORE_TEST_POSTGRES} (e.g. Debian's, started by
 * {@code scripts/debian-servers.sh}). Each trial gets a new database. Rows are bulk-loaded with batched
 * {@code INSERT}s in Zoho's layout after the store has created its schema, not with 100,000 saves.
 *
 * <p>Run: {@code ./mvnw -q -pl tokenstore-bench -am package -DskipTests && java -jar
 * tokenstore-bench/target/benchmarks.jar ServerStoreBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ServerStoreBenchmark {

  /** mariadb or postgresql. */
  @Param({"mariadb", "postgresql"})
  public String store;

  @Param({"1000", "100000"})
  public int tokens;

  private TokenStore tokenStore;

  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    TestDatabase db = store.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    tokenStore = TokenStores.open(db.storeUri());
    bulkLoad(db);
    if (tokenStore.getTokens().size() != tokens) {
      throw new IllegalStateException("store holds " + tokenStore.getTokens().size() + " tokens, expected " + tokens);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tokenStore.close();
  }

  private void bulkLoad(TestDatabase db) throws SQLException {
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO oauthtoken (id, "
        + "user_name, client_id, client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url, "
        + "api_domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      c.setAutoCommit(false);
      for (int i = 1; i <= tokens; i++) {
        OAuthToken t = StoreBenchmark.token(i);
        ps.setString(1, Integer.toString(i));
        ps.setString(2, t.userName());
        ps.setString(3, t.clientId());
        ps.setString(4, t.clientSecret());
        ps.setString(5, t.refreshToken());
        ps.setString(6, t.accessToken());
        ps.setString(7, null);
        ps.setString(8, Long.toString(t.expiresAt().toEpochMilli()));
        ps.setString(9, t.redirectUrl());
        ps.setString(10, t.apiDomain());
        ps.addBatch();
        if (i % 1000 == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
      c.commit();
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
