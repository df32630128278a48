package dev.tokenstore.testservers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * One fresh, empty database on a running test server: its JDBC URL and credentials. Immutable, thread-safe.
 *
 * @param engine "postgresql" or "mariadb"
 * @param jdbcUrl a JDBC URL for the database, without credentials
 * @param user the user name
 * @param password the password (test servers only; may be empty)
 * @param host the server's host
 * @param port the server's port
 * @param database the database name
 */
public record TestDatabase(
    String engine, String jdbcUrl, String user, String password, String host, int port, String database) {

  /** A new connection to this database. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password);
  }

  /** A store URI for {@code TokenStores.open}, e.g. {@code postgresql://user:pw@127.0.0.1:5432/db}. */
  public String storeUri() {
    String auth = password.isEmpty() ? user : user + ":" + password;
    String scheme = engine.equals("mariadb") ? "mariadb" : "postgresql";
    String extra = engine.equals("mariadb") ? "?sslMode=disable" : "";
    return scheme + "://" + auth + "@" + host + ":" + port + "/" + database + extra;
  }

  @Override
  public String toString() {
    return "TestDatabase[" + engine + " " + jdbcUrl + " user=" + user + "]";
  }
}
