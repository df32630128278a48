package dev.tokenstore.crypto;

import dev.tokenstore.TokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import java.time.Clock;
import org.junit.jupiter.api.Nested;

/**
 * The memory store with encrypted secrets passes the conformance kit: a store without compare-and-set saves, so
 * the decorator serialises its read-merge-write itself.
 */
class EncryptedMemoryStoreContractTest extends TokenStoreContract {
  private final Keyring keyring = Keyring.generate(Clock.systemUTC());

  @Override
  protected TokenStore openStore() {
    return EncryptedTokenStore.wrap(MemoryTokenStore.create(), KeyProviders.fixed(keyring));
  }

  @Override
  protected boolean persistent() {
    return false;
  }

  /** The wrapped store's entry table, through the decorator, passes the entry-table kit. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return EncryptedMemoryStoreContractTest.this.openStore();
    }

    @Override
    protected boolean persistent() {
      return false;
    }
  }
}
