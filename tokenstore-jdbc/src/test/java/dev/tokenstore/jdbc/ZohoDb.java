package dev.tokenstore.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Test helper: databases as Zoho's seed sample makes them, read back with plain JDBC. */
final class ZohoDb {
  /** The seed's DDL, verbatim (Kaizen #192's CustomStoreSQLite). */
  static final String SEED_DDL = "CREATE TABLE  oauthtoken (id varchar(10) NOT NULL,user_name varchar(255), client_id "
      + "varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token "
      + "varchar(255), grant_token varchar(255), expiry_time varchar(20), redirect_url varchar("
      + "255), api_domain varchar(255), primary key (id))";

  private ZohoDb() {}

  static Connection connect(Path file) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }

  static void exec(Path file, String... sql) throws SQLException {
    try (Connection c = connect(file); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /** Inserts a row of ten strings exactly as given ("" stays ""), like Zoho's SDK does. */
  static void insertRow(Path file, String... values) throws SQLException {
    try (Connection c = connect(file);
        PreparedStatement ps = c.prepareStatement("INSERT INTO oauthtoken (id, user_name, client_id, "
            + "client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url, api_domain) "
            + "VALUES (?,?,?,?,?,?,?,?,?,?)")) {
      for (int i = 0; i < 10; i++) {
        ps.setString(i + 1, values[i]);
      }
      ps.executeUpdate();
    }
  }

  static List<String> columns(Path file, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = connect(file);
        PreparedStatement ps = c.prepareStatement("SELECT name FROM pragma_table_info(?) ORDER BY cid")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** Column 1..10 of the row with this id, read by position as Zoho's SDKs do ({@code select *}). */
  static List<String> rowByPosition(Path file, String id) throws SQLException {
    try (Connection c = connect(file);
        PreparedStatement ps = c.prepareStatement("SELECT * FROM oauthtoken WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
          out.add(rs.getString(i));
        }
        return out;
      }
    }
  }

  static long count(Path file, String sql) throws SQLException {
    try (Connection c = connect(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
