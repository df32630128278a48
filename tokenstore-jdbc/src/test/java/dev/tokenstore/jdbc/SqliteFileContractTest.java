package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import org.junit.jupiter.api.Nested;

/** SQLite on a database file, opened by its URI, passes the conformance kit. */
class SqliteFileContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("sqlite:" + tempDir.resolve("tokens.db"));
  }

  /** The store's entry table (the table tokenstore_entry) passes the entry-table kit, on the same storage. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return SqliteFileContractTest.this.openStore();
    }
  }
}
