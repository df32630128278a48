package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.TokenStoreContract;

/** SQLite on a database file, opened by its URI, passes the conformance kit. */
class SqliteFileContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("sqlite:" + tempDir.resolve("tokens.db"));
  }
}
