package dev.tokenstore.it;

import dev.tokenstore.TokenStore;
import dev.tokenstore.file.FileTokenStore;
import dev.tokenstore.testkit.RefreshCoordinationContract;

/** The refresh-coordination kit on the CSV file store (leases in {@code <name>.refresh.lock}). */
class FileRefreshCoordinationTest extends RefreshCoordinationContract {
  @Override
  protected TokenStore openStore() {
    return FileTokenStore.open(tempDir.resolve("sdk_tokens.txt"));
  }
}
