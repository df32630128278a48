package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import org.junit.jupiter.api.Nested;

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

  /** The store's entry table (the table tokenstore_entry) passes the entry-table kit, on the same storage. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return SqliteInMemoryContractTest.this.openStore();
    }

    @Override
    protected boolean persistent() {
      return false;
    }
  }
}
