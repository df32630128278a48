package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/** {@code TokenStores.open} with MySQL/MariaDB and PostgreSQL URIs, the builders, and a caller's DataSource. */
class ServerStoreProviderTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "mysql://root:s3cret-PW@db.example:99999/zohooauth",
      "mariadb://root:s3cret-PW@db.example/zohooauth?table=bad-name",
      "postgresql://u:s3cret-PW@db.example/bad%2Fname",
      "postgres://u:s3cret-PW@db.example/db?createSchema=maybe",
      "mysql://u:s3cret-PW@db.example/db?poolSize=0",
      "jdbc:postgres://db.example/db?password=s3cret-PW"})
  void malformedUrisAreInvalidAndNeverShowThePassword(String uri) {
    assertThatThrownBy(() -> TokenStores.open(uri))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isIn(ErrorCode.INVALID_STORE_URI, ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).doesNotContain("s3cret-PW");
        });
  }

  @Test
  void buildersHaveZohosDefaults() {
    assertThat(JdbcTokenStore.mysql().toString()).contains("mysql root@localhost:3306/zohooauth, table oauthtoken");
    assertThat(JdbcTokenStore.postgres().toString())
        .contains("postgresql postgres@localhost:5432/zohooauth, table oauthtoken");
    assertThat(JdbcTokenStore.mysql().host("::1").password("s3cret-PW").toString())
        .contains("[::1]:3306").doesNotContain("s3cret-PW");
    assertThatThrownBy(() -> JdbcTokenStore.mysql().table("x; drop table y"))
        .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThatThrownBy(() -> JdbcTokenStore.mysql().host("evil/host?x=@"))
        .extracting(e -> ((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void mysqlBuilderWithTheSeedsParametersAndACustomTable() throws Exception {
    TestDatabase db = TestServers.mariadb();
    try (JdbcTokenStore store = JdbcTokenStore.mysql().host(db.host()).port(db.port()).database(db.database())
        .table("my_tokens").user(db.user()).password(db.password()).property("sslMode", "disable").build()) {
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("o'brien@example.com").refreshToken("r")
          .build());
      assertThat(store.findTokenById(saved.id())).contains(saved);
      assertThat(store.toString()).contains(db.host() + ":" + db.port() + "/" + db.database()).contains("my_tokens");
    }
    assertThat(ServerZohoCompatibilityTest.count(db, "SELECT count(*) FROM my_tokens")).isEqualTo(1);
  }

  @Test
  void postgresUriParametersGoToTheDriverAndStoreParametersAreConsumed() throws Exception {
    TestDatabase db = TestServers.postgres();
    String uri = db.storeUri() + "?ApplicationName=ts-passthrough&table=Tokens_2&poolSize=3";
    try (TokenStore store = TokenStores.open(uri)) {
      store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
      try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND datname = ?")) {
        ps.setString(1, "ts-passthrough");
        ps.setString(2, db.database());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).isBetween(1, 3);
        }
      }
    }
    assertThat(ServerZohoCompatibilityTest.count(db, "SELECT count(*) FROM \"Tokens_2\"")).isEqualTo(1);
  }

  @Test
  void jdbcUrlsOpenWithCredentialsInTheUrl() throws Exception {
    TestDatabase maria = TestServers.mariadb();
    // jdbc:mysql: goes to MariaDB Connector/J when MySQL's driver is not on the class path.
    String mysqlUrl = maria.jdbcUrl().replace("jdbc:mariadb:", "jdbc:mysql:") + "&user=" + maria.user()
        + "&table=t_mysql";
    try (TokenStore store = TokenStores.open(mysqlUrl)) {
      assertThat(store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build()).id()).isEqualTo("1");
    }
    assertThat(ServerZohoCompatibilityTest.count(maria, "SELECT count(*) FROM t_mysql")).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void theLongestAllowedTableNameGetsDistinctIndexNamesWithinTheEnginesLimits(String engine) throws Exception {
    TestDatabase db = engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    String table = "t" + "x".repeat(62) + "1"; // 64 characters, the most Identifiers allows
    String uri = db.storeUri() + (db.storeUri().contains("?") ? "&" : "?") + "table=" + table;
    for (int round = 0; round < 2; round++) { // the second open finds everything in place
      try (TokenStore store = TokenStores.open(uri)) {
        store.saveToken(OAuthToken.builder().userName("u" + round).refreshToken("r" + round).build());
        assertThat(store.getTokens()).hasSize(round + 1);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "postgresql"})
  void aCallersDataSourceIsUsedAndLeftOpen(String engine) throws Exception {
    TestDatabase db = engine.equals("mariadb") ? TestServers.mariadb() : TestServers.postgres();
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(db.jdbcUrl());
    hc.setUsername(db.user());
    hc.setPassword(db.password());
    hc.setMaximumPoolSize(2);
    try (HikariDataSource ds = new HikariDataSource(hc)) {
      SqlDialect dialect = engine.equals("mariadb") ? SqlDialect.mysql() : SqlDialect.postgres();
      OAuthToken saved;
      try (JdbcTokenStore store = JdbcTokenStore.builder().dataSource(ds).dialect(dialect).build()) {
        saved = store.saveToken(OAuthToken.builder().userName("u@example.com").refreshToken("r").build());
      }
      assertThat(ds.isClosed()).isFalse();
      try (JdbcTokenStore store = JdbcTokenStore.builder().dataSource(ds).dialect(dialect).build()) {
        assertThat(store.findTokenById(saved.id())).contains(saved);
      }
    }
  }

  @Test
  void aPlainDriverDataSourceWorksToo() throws Exception {
    TestDatabase db = TestServers.postgres();
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(db.jdbcUrl());
    ds.setUser(db.user());
    ds.setPassword(db.password());
    try (JdbcTokenStore store = JdbcTokenStore.builder().dataSource(ds).dialect(SqlDialect.postgres()).build()) {
      OAuthToken a = store.saveToken(OAuthToken.builder().userName("a").refreshToken("r").build());
      OAuthToken b = store.saveToken(OAuthToken.builder().userName("b").refreshToken("r2").build());
      assertThat(store.getTokens()).containsExactly(a, b);
    }
  }
}
