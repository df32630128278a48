package dev.tokenstore.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The servers really start and hand out separate databases. */
class TestServersTest {
  @Test
  void postgresDatabasesAreSeparate() throws Exception {
    TestDatabase a = TestServers.postgres();
    TestDatabase b = TestServers.postgres();
    assertThat(a.database()).isNotEqualTo(b.database());
    try (Connection c = a.connect(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (x int)");
      try (ResultSet rs = st.executeQuery("SELECT version()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).startsWith("PostgreSQL");
      }
    }
    try (Connection c = b.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = 't'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void mariadbDatabasesAreSeparate() throws Exception {
    TestDatabase a = TestServers.mariadb();
    try (Connection c = a.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT version()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).containsIgnoringCase("mariadb");
    }
  }
}
