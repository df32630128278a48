package dev.tokenstore.redis;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * The Redis store, opened by its URI through {@link TokenStores}, passes the conformance kit. Each test gets
 * its own key prefix; reopening makes a new client on the same prefix.
 */
class RedisStoreContractTest extends TokenStoreContract {
  private final String prefix = RedisTestServer.freshPrefix();
  private final String uri = RedisTestServer.storeUri(prefix);

  @AfterEach
  void dropKeys() {
    RedisKeys.drop(prefix);
  }

  @Override
  protected TokenStore openStore() {
    return TokenStores.open(uri);
  }

  /** The store's entry table (one hash per kind under the store's prefix) passes the entry-table kit. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return RedisStoreContractTest.this.openStore();
    }
  }
}
