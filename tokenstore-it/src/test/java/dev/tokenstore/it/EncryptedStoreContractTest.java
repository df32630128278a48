package dev.tokenstore.it;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.testkit.TokenStoreContract;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * Issue 11: the conformance kit ({@link TokenStoreContract}, all its nested contracts) passes on the encrypted
 * variant of every store, {@code EncryptedTokenStore.open(uri, KeyProviders.fixed(Keyring.generate(clock)))}:
 * memory, the CSV file, SQLite, MariaDB, PostgreSQL and Redis (real servers, {@link TestServers}). Each test has
 * its own keyring and storage (a file, a MariaDB database, a PostgreSQL table, a Redis key prefix); reopening wraps a
 * new store on the same storage with the same keyring, as another process would.
 */
class EncryptedStoreContractTest {

  private static final AtomicReference<String> POSTGRES = new AtomicReference<>();
  private static final AtomicInteger TABLES = new AtomicInteger();

  /**
   * A store URI on a table no other test uses, in one database for this class: on PostgreSQL a new table is much
   * cheaper than a new database (copied from a template), and the kit only needs empty storage. (On MariaDB each
   * test gets a database: the schema checks read information_schema, which grows slower with every table.)
   */
  private static String freshTable(AtomicReference<String> database, Supplier<TestDatabase> create) {
    String base = database.updateAndGet(u -> u != null ? u : create.get().storeUri());
    return base + (base.contains("?") ? "&" : "?") + "table=enc_" + TABLES.incrementAndGet();
  }

  /** The keys of one test: every handle the test opens uses them. */
  private static KeyProvider freshKeys() {
    return KeyProviders.fixed(Keyring.generate(Clock.systemUTC()));
  }

  @Nested
  class Memory extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.wrap(TokenStores.open("memory:"), keys);
    }

    @Override
    protected boolean persistent() {
      return false;
    }
  }

  @Nested
  class File extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("file:" + tempDir.resolve("sdk_tokens.txt"), keys);
    }
  }

  @Nested
  class Sqlite extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("sqlite:" + tempDir.resolve("tokens.db"), keys);
    }
  }

  @Nested
  class MariaDb extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();
    private String uri;

    @Override
    protected TokenStore openStore() {
      if (uri == null) {
        uri = TestServers.mariadb().storeUri();
      }
      return EncryptedTokenStore.open(uri, keys);
    }
  }

  @Nested
  class Postgres extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();
    private String uri;

    @Override
    protected TokenStore openStore() {
      if (uri == null) {
        uri = freshTable(POSTGRES, TestServers::postgres);
      }
      return EncryptedTokenStore.open(uri, keys);
    }
  }

  @Nested
  class Redis extends TokenStoreContract {
    private final KeyProvider keys = freshKeys();
    private final RawStore.Redis raw = new RawStore.Redis(TestServers.redisStoreUri());

    @AfterEach
    void dropKeys() {
      raw.close();
    }

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open(raw.uri(), keys);
    }
  }
}
