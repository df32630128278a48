package dev.tokenstore.testkit;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;

/** The built-in memory store, opened by its URI, passes the conformance kit. */
class MemoryStoreContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("memory:");
  }

  @Override
  protected boolean persistent() {
    return false;
  }
}
