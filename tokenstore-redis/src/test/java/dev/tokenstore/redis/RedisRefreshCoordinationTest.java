package dev.tokenstore.redis;

import dev.tokenstore.TokenStore;
import dev.tokenstore.testkit.RefreshCoordinationContract;

/** The refresh-coordination kit on Redis (a fresh prefix per test). */
class RedisRefreshCoordinationTest extends RefreshCoordinationContract {
  private final String uri = RedisTestServer.freshStoreUri();

  @Override
  protected boolean wakesOnRelease() {
    return true; // pub/sub
  }

  @Override
  protected TokenStore openStore() {
    return RedisTokenStore.open(uri);
  }
}
