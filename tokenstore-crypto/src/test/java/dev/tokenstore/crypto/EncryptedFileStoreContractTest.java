package dev.tokenstore.crypto;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import java.time.Clock;
import org.junit.jupiter.api.Nested;

/** The file store with encrypted secrets passes the conformance kit. */
class EncryptedFileStoreContractTest extends TokenStoreContract {
  private final Keyring keyring = Keyring.generate(Clock.systemUTC());

  @Override
  protected TokenStore openStore() {
    return EncryptedTokenStore.wrap(TokenStores.open("file:" + tempDir.resolve("sdk_tokens.txt")),
        KeyProviders.fixed(keyring));
  }

  /** The wrapped store's entry table, through the decorator, passes the entry-table kit. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return EncryptedFileStoreContractTest.this.openStore();
    }
  }
}
