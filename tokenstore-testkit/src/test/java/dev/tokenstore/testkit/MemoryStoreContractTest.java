package dev.tokenstore.testkit;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import org.junit.jupiter.api.Nested;

/** The built-in memory store, opened by its URI, passes the conformance kit and the entry-table kit. */
class MemoryStoreContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("memory:");
  }

  @Override
  protected boolean persistent() {
    return false;
  }

  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return MemoryStoreContractTest.this.openStore();
    }

    @Override
    protected boolean persistent() {
      return false;
    }
  }
}
