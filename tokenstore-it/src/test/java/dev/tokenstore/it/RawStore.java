package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * One store of a kind the encrypted tests run on (file, SQLite, MariaDB, PostgreSQL, Redis) and its raw storage
 * read and edited WITHOUT tokenstore: the CSV file by hand, SQL rows with plain JDBC, Redis keys with plain Jedis
 * commands. Records are maps of Zoho's column names (the CSV header, the table's columns, the Redis hash's fields)
 * to the stored text. Edits are for a closed store (as someone with access to the disk, the table or the server
 * would make them); the next store opened sees them. Not thread-safe.
 */
abstract class RawStore implements AutoCloseable {
  static final List<String> KINDS = List.of("file", "sqlite", "mariadb", "postgresql", "redis");

  /** A fresh, empty store of {@code kind}; files go to {@code dir}. */
  static RawStore create(String kind, Path dir) {
    return switch (kind) {
      case "file" -> new Csv(dir.resolve("sdk_tokens.txt"));
      case "sqlite" -> new Sqlite(dir.resolve("tokens.db"));
      case "mariadb" -> new ServerSql(TestServers.mariadb());
      case "postgresql" -> new ServerSql(TestServers.postgres());
      case "redis" -> new Redis(TestServers.redisStoreUri());
      default -> throw new IllegalArgumentException(kind);
    };
  }

  /** The store URI, for {@code TokenStores.open} and {@code EncryptedTokenStore.open}. */
  abstract String uri();

  /** Every stored record, column to stored text (absent or null when empty), in id order. */
  abstract List<Map<String, @Nullable String>> records();

  /** The stored record with this id. */
  final Map<String, @Nullable String> record(String id) {
    return records().stream().filter(r -> id.equals(r.get("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no stored record with id " + id + " in " + this));
  }

  /** Writes {@code value} into column {@code column} of record {@code id}, by hand. */
  abstract void set(String id, String column, @Nullable String value);

  /** Everything the storage holds, as text: the files' bytes, every row of every table, every key and value. */
  abstract String dump();

  @Override
  public void close() {}

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + uri() + "]";
  }

  // ------------------------------------------------------------------------------------------------ CSV file

  /** Zoho's {@code sdk_tokens.txt}, edited as text (a field with a quote, comma or line break is refused here). */
  static final class Csv extends RawStore {
    private final Path file;

    Csv(Path file) {
      this.file = file;
    }

    @Override
    String uri() {
      return "file:" + file;
    }

    private List<String> lines() {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String l : lines) {
          assertThat(l).as("this simple editor handles unquoted fields only").doesNotContain("\"");
        }
        return lines;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    List<Map<String, @Nullable String>> records() {
      List<String> lines = lines();
      List<String> header = Arrays.asList(lines.get(0).split(",", -1));
      List<Map<String, @Nullable String>> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        if (line.isEmpty()) {
          continue;
        }
        String[] fields = line.split(",", -1);
        assertThat(fields).as("fields of a line").hasSameSizeAs(header.toArray());
        Map<String, @Nullable String> r = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i++) {
          r.put(header.get(i), fields[i].isEmpty() ? null : fields[i]);
        }
        out.add(r);
      }
      return out;
    }

    @Override
    void set(String id, String column, @Nullable String value) {
      assertThat(value == null ? "" : value).doesNotContain(",", "\"", "\n", "\r");
      List<String> lines = new ArrayList<>(lines());
      List<String> header = Arrays.asList(lines.get(0).split(",", -1));
      int col = header.indexOf(column);
      assertThat(col).as("column " + column + " in " + header).isNotNegative();
      boolean found = false;
      for (int i = 1; i < lines.size(); i++) {
        String[] fields = lines.get(i).split(",", -1);
        if (fields[0].equals(id)) {
          fields[col] = value == null ? "" : value;
          lines.set(i, String.join(",", fields));
          found = true;
        }
      }
      assertThat(found).as("a line with id " + id).isTrue();
      try {
        // as an editor saves: a new file renamed over the old one (0600, so that the store accepts it)
        Path temp = file.resolveSibling("edit.tmp");
        Files.writeString(temp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    String dump() {
      return filesStartingWith(file);
    }
  }

  /** The bytes of every file in {@code file}'s folder whose name starts with its name (the file and sidecars). */
  static String filesStartingWith(Path file) {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(file.getParent())) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith(file.getFileName().toString())
          || f.getFileName().toString().startsWith("." + file.getFileName())).sorted().toList()) {
        sb.append("=== ").append(f.getFileName()).append('\n')
            .append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------------------------------------ SQL

  /** A table {@code oauthtoken} reached with plain JDBC. */
  abstract static class Sql extends RawStore {
    abstract Connection connect() throws SQLException;

    @Override
    List<Map<String, @Nullable String>> records() {
      try (Connection c = connect(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT * FROM oauthtoken")) {
        List<Map<String, @Nullable String>> out = rowsOf(rs);
        out.sort((a, b) -> Long.compare(Long.parseLong(a.get("id")), Long.parseLong(b.get("id"))));
        return out;
      } catch (SQLException e) {
        throw new AssertionError("plain SQL failed on " + this + ": " + e, e);
      }
    }

    @Override
    void set(String id, String column, @Nullable String value) {
      assertThat(column).matches("[a-z_]+");
      try (Connection c = connect();
          PreparedStatement ps = c.prepareStatement("UPDATE oauthtoken SET " + column + " = ? WHERE id = ?")) {
        ps.setString(1, value);
        ps.setString(2, id);
        assertThat(ps.executeUpdate()).as("rows updated").isEqualTo(1);
      } catch (SQLException e) {
        throw new AssertionError("plain SQL failed on " + this + ": " + e, e);
      }
    }

    /** Every row of every table of the database, as text. */
    String dumpTables() {
      StringBuilder sb = new StringBuilder();
      try (Connection c = connect()) {
        Set<String> tables = new TreeSet<>();
        try (ResultSet t = c.getMetaData().getTables(c.getCatalog(), c.getSchema(), "%", new String[] {"TABLE"})) {
          while (t.next()) {
            tables.add(t.getString("TABLE_NAME"));
          }
        }
        assertThat(tables).as("tables of " + this).contains("oauthtoken");
        for (String table : tables) {
          try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
            sb.append("=== table ").append(table).append('\n');
            for (Map<String, @Nullable String> row : rowsOf(rs)) {
              sb.append(row).append('\n');
            }
          }
        }
      } catch (SQLException e) {
        throw new AssertionError("plain SQL failed on " + this + ": " + e, e);
      }
      return sb.toString();
    }

    private static List<Map<String, @Nullable String>> rowsOf(ResultSet rs) throws SQLException {
      ResultSetMetaData md = rs.getMetaData();
      List<Map<String, @Nullable String>> out = new ArrayList<>();
      while (rs.next()) {
        Map<String, @Nullable String> r = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          Object v = rs.getObject(i);
          r.put(md.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT),
              v == null ? null : v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v.toString());
        }
        out.add(r);
      }
      return out;
    }
  }

  /** A SQLite database file. */
  static final class Sqlite extends Sql {
    private final Path file;

    Sqlite(Path file) {
      this.file = file;
    }

    @Override
    String uri() {
      return "sqlite:" + file;
    }

    @Override
    Connection connect() throws SQLException {
      return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    /** The database file's bytes (and its journal or WAL files, if any), then every row read with SQL. */
    @Override
    String dump() {
      return filesStartingWith(file) + dumpTables();
    }
  }

  /** A fresh database on the MariaDB or PostgreSQL test server. */
  static final class ServerSql extends Sql {
    private final TestDatabase db;

    ServerSql(TestDatabase db) {
      this.db = db;
    }

    @Override
    String uri() {
      return db.storeUri();
    }

    @Override
    Connection connect() throws SQLException {
      return db.connect();
    }

    @Override
    String dump() {
      return dumpTables();
    }

    @Override
    public String toString() {
      return db.toString();
    }
  }

  // ------------------------------------------------------------------------------------------------ Redis

  /** A prefix on the test Redis, read and written with plain commands. */
  static final class Redis extends RawStore {
    private final String uri;
    private final String prefix;
    private final RedisClient jedis;

    Redis(String uri) {
      this.uri = uri;
      int q = uri.indexOf("?prefix=");
      assertThat(q).as("a prefix in " + uri).isPositive();
      this.prefix = uri.substring(q + "?prefix=".length());
      this.jedis = RedisClient.create(URI.create(uri.substring(0, q)));
    }

    @Override
    String uri() {
      return uri;
    }

    private String base() {
      return "{" + prefix + "}:";
    }

    /** Every key of the store (SCAN with the store's prefix). */
    Set<String> keys() {
      Set<String> out = new TreeSet<>();
      String cursor = ScanParams.SCAN_POINTER_START;
      ScanParams params = new ScanParams().match(base() + "*").count(1000);
      do {
        ScanResult<String> r = jedis.scan(cursor, params);
        out.addAll(r.getResult());
        cursor = r.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
      return out;
    }

    @Override
    List<Map<String, @Nullable String>> records() {
      List<Map<String, @Nullable String>> out = new ArrayList<>();
      for (String key : keys()) {
        if (key.startsWith(base() + "token:")) {
          out.add(new LinkedHashMap<>(jedis.hgetAll(key)));
        }
      }
      out.sort((a, b) -> Long.compare(Long.parseLong(a.get("id")), Long.parseLong(b.get("id"))));
      return out;
    }

    @Override
    void set(String id, String column, @Nullable String value) {
      String key = base() + "token:" + id;
      assertThat(jedis.exists(key)).as(key).isTrue();
      if (value == null) {
        jedis.hdel(key, column);
      } else {
        jedis.hset(key, column, value);
      }
    }

    /** Every key with its value: HGETALL for hashes, SMEMBERS for sets, GET for strings. */
    @Override
    String dump() {
      StringBuilder sb = new StringBuilder();
      for (String key : keys()) {
        String type = jedis.type(key);
        Object value = switch (type) {
          case "hash" -> jedis.hgetAll(key);
          case "set" -> jedis.smembers(key);
          case "string" -> jedis.get(key);
          default -> throw new AssertionError("unexpected Redis type " + type + " of " + key);
        };
        sb.append(key).append(" (").append(type).append(") ").append(value).append('\n');
      }
      return sb.toString();
    }

    @Override
    public void close() {
      for (String k : keys()) {
        jedis.del(k);
      }
      jedis.close();
    }
  }
}
