package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.TokenStoreContract;

/** SQLite in memory ({@code sqlite::memory:}) passes the conformance kit; each open is a new database. */
class SqliteInMemoryContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("sqlite::memory:");
  }

  @Override
  protected boolean persistent() {
    return false;
  }
}
