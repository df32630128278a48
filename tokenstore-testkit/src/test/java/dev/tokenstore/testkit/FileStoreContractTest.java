package dev.tokenstore.testkit;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;

/** The built-in file store (Zoho's sdk_tokens.txt format), opened by its URI, passes the conformance kit. */
class FileStoreContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("file:" + tempDir.resolve("sdk_tokens.txt"));
  }
}
