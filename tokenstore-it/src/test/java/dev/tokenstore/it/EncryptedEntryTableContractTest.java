package dev.tokenstore.it;

import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testservers.TestServers;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * The entry-table kit ({@link EntryTableContract}) on the encrypted variant of every store, {@code
 * EncryptedTokenStore.open(uri, keys)}: memory, the CSV file, SQLite, MariaDB, PostgreSQL and Redis (real servers,
 * {@link TestServers}). The decorator keeps the wrapped store's {@code EntryTable}, found through {@code capability}.
 * Each test has its own storage: a file, a new MariaDB or PostgreSQL database (the table {@code tokenstore_entry} is
 * one per database, so a table of its own would not do), a Redis key prefix.
 */
class EncryptedEntryTableContractTest {

  private static KeyProvider freshKeys() {
    return KeyProviders.fixed(Keyring.generate(Clock.systemUTC()));
  }

  @Nested
  class Memory extends EntryTableContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("memory:", keys);
    }

    @Override
    protected boolean persistent() {
      return false;
    }
  }

  @Nested
  class File extends EntryTableContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("file:" + tempDir.resolve("sdk_tokens.txt"), keys);
    }
  }

  @Nested
  class Sqlite extends EntryTableContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("sqlite:" + tempDir.resolve("tokens.db"), keys);
    }
  }

  @Nested
  class MariaDb extends EntryTableContract {
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
  class Postgres extends EntryTableContract {
    private final KeyProvider keys = freshKeys();
    private String uri;

    @Override
    protected TokenStore openStore() {
      if (uri == null) {
        uri = TestServers.postgres().storeUri();
      }
      return EncryptedTokenStore.open(uri, keys);
    }
  }

  @Nested
  class Redis extends EntryTableContract {
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
