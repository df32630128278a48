package dev.tokenstore.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
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
 * The anchors, modelled from their documented behaviour (no code taken from them) so that our stores and theirs
 * are measured in one run on one machine:
 * <ul>
 *   <li>{@code zoho-file}: Zoho's file store reads and parses the whole CSV on every lookup and rewrites the whole
 *       file in place (truncate, write) on every save, without a lock;
 *   <li>{@code seed-sqlite}: the Kaizen #192 SQLite sample opens a connection per call and queries a table
 *       without indexes (here with bound parameters: the sample's string concatenation is not reproduced).
 * </ul>
 * Compare with {@link StoreBenchmark}'s {@code file} and {@code sqlite} rows.
 *
 * <p>A JMH state: JMH drives it (one instance per benchmark run); not for other use, thread-safety is JMH's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AnchorBenchmark {
  private static final String[] HEADER = {"id", "user_name", "client_id", "client_secret", "refresh_token",
      "access_token", "grant_token", "expiry_time", "redirect_url", "api_domain"};

  @Param({"zoho-file", "seed-sqlite"})
  public String anchor;

  @Param({"1000", "10000"})
  public int tokens;

  private Path dir;
  private Path file;
  private String jdbcUrl;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("tokenstore-anchor");
    if (anchor.equals("zoho-file")) {
      file = dir.resolve("sdk_tokens.txt");
      List<String[]> rows = new ArrayList<>();
      for (int i = 1; i <= tokens; i++) {
        rows.add(row(i, "1000.access." + i));
      }
      writeAll(rows);
    } else {
      jdbcUrl = "jdbc:sqlite:" + dir.resolve("zohooauth.db");
      try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE oauthtoken (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), "
            + "client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token "
            + "varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), "
            + "primary key (id))");
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO oauthtoken VALUES (?,?,?,?,?,?,?,?,?,?)")) {
          for (int i = 1; i <= tokens; i++) {
            String[] r = row(i, "1000.access." + i);
            for (int k = 0; k < 10; k++) {
              ps.setString(k + 1, r[k]);
            }
            ps.addBatch();
          }
          ps.executeBatch();
        }
        c.commit();
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String[] row(int i, String access) {
    return new String[] {Integer.toString(i), "user" + i + "@example.com", "1000.BENCHCLIENT", "bench-secret",
        "1000.refresh." + i, access, "", Long.toString(1_900_000_000_000L + i), "https://app.example.com/cb",
        "https://www.zohoapis.com"};
  }

  private List<String[]> readAll() {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<String[]> rows = new ArrayList<>();
      boolean header = true;
      for (CSVRecord rec : CSVFormat.DEFAULT.parse(r)) {
        if (header) {
          header = false;
          continue;
        }
        rows.add(rec.values());
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeAll(List<String[]> rows) {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
      p.printRecord((Object[]) HEADER);
      for (String[] r : rows) {
        p.printRecord((Object[]) r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int pick() {
    return ThreadLocalRandom.current().nextInt(1, tokens + 1);
  }

  @Benchmark
  public Object findByUser() throws SQLException {
    String user = "user" + pick() + "@example.com";
    if (file != null) {
      for (String[] r : readAll()) {
        if (r[1].equals(user)) {
          return r;
        }
      }
      throw new IllegalStateException("not found");
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps = c.prepareStatement("select * from oauthtoken where user_name = ? limit 1")) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("not found");
        }
        return rs.getString(1);
      }
    }
  }

  @Benchmark
  public Object saveUpdate() throws SQLException {
    int i = pick();
    String access = "1000.access." + i + "." + ThreadLocalRandom.current().nextInt();
    if (file != null) {
      List<String[]> rows = readAll();
      String user = "user" + i + "@example.com";
      for (String[] r : rows) {
        if (r[1].equals(user)) {
          r[5] = access;
        }
      }
      writeAll(rows);
      return rows;
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps = c.prepareStatement("update oauthtoken set access_token = ? where user_name = ?")) {
      ps.setString(1, access);
      ps.setString(2, "user" + i + "@example.com");
      return ps.executeUpdate();
    }
  }
}
