package dev.tokenstore.crypto;

import dev.tokenstore.TokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.testkit.TokenStoreContract;
import java.time.Clock;

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
}
