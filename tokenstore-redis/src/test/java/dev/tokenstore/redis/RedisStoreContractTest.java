package dev.tokenstore.redis;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.TokenStoreContract;
import org.junit.jupiter.api.AfterEach;

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
}
