package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.RefreshCoordination;
import dev.tokenstore.testkit.RefreshCoordinationContract;
import dev.tokenstore.testservers.TestServers;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the refresh-coordination kit ({@link RefreshCoordinationContract}: leases and compare-and-set saves,
 * found through {@code capability}) passes on the encrypted variant of every shared store: the CSV file, SQLite,
 * MariaDB, PostgreSQL and Redis. The encryption decorator keeps both capabilities, and its compare-and-set save
 * compares plain tokens while writing ciphertexts.
 */
class EncryptedRefreshCoordinationContractTest {

  private static KeyProvider freshKeys() {
    return KeyProviders.fixed(Keyring.generate(Clock.systemUTC()));
  }

  @Test
  void theMemoryStoreHasNeitherCapabilityAndTheDecoratorInventsNone() {
    try (EncryptedTokenStore s = EncryptedTokenStore.open("memory:", freshKeys())) {
      assertThat(s.capability(ConditionalSave.class)).isEmpty();
      assertThat(s.capability(RefreshCoordination.class)).isEmpty();
    }
  }

  @Nested
  class File extends RefreshCoordinationContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("file:" + tempDir.resolve("sdk_tokens.txt"), keys);
    }
  }

  @Nested
  class Sqlite extends RefreshCoordinationContract {
    private final KeyProvider keys = freshKeys();

    @Override
    protected TokenStore openStore() {
      return EncryptedTokenStore.open("sqlite:" + tempDir.resolve("tokens.db"), keys);
    }
  }

  @Nested
  class MariaDb extends RefreshCoordinationContract {
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
  class Postgres extends RefreshCoordinationContract {
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
  class Redis extends RefreshCoordinationContract {
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
