package dev.tokenstore.testkit;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import org.junit.jupiter.api.Nested;

/**
 * The built-in file store (Zoho's sdk_tokens.txt format), opened by its URI, passes the conformance kit, and its
 * entry table ({@code <name>.entries}) the entry-table kit.
 */
class FileStoreContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("file:" + tempDir.resolve("sdk_tokens.txt"));
  }

  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return FileStoreContractTest.this.openStore();
    }
  }
}
