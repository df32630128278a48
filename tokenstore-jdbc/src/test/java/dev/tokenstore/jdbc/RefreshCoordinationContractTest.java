package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.ForwardingTokenStore;
import dev.tokenstore.testkit.RefreshCoordinationContract;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import org.junit.jupiter.api.Nested;

/**
 * The refresh-coordination kit on SQLite, MariaDB and PostgreSQL (a new database per test), and on SQLite behind a
 * decorator that only forwards (the capabilities survive it).
 */
class RefreshCoordinationContractTest {

  @Nested
  class Sqlite extends RefreshCoordinationContract {
    @Override
    protected TokenStore openStore() {
      return JdbcTokenStore.sqlite(tempDir.resolve("tokens.db"));
    }
  }

  @Nested
  class DecoratedSqlite extends RefreshCoordinationContract {
    @Override
    protected TokenStore openStore() {
      return new ForwardingTokenStore(JdbcTokenStore.sqlite(tempDir.resolve("tokens.db"))) {};
    }
  }

  @Nested
  class MariaDb extends RefreshCoordinationContract {
    private String uri;

    @Override
    protected TokenStore openStore() {
      if (uri == null) {
        TestDatabase db = TestServers.mariadb();
        uri = db.storeUri();
      }
      return TokenStores.open(uri);
    }
  }

  @Nested
  class Postgres extends RefreshCoordinationContract {
    private String uri;

    @Override
    protected boolean wakesOnRelease() {
      return true; // LISTEN/NOTIFY
    }

    @Override
    protected TokenStore openStore() {
      if (uri == null) {
        uri = TestServers.postgres().storeUri();
      }
      return TokenStores.open(uri);
    }
  }
}
