package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import dev.tokenstore.testservers.TestDatabase;
import dev.tokenstore.testservers.TestServers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;

/**
 * A real PostgreSQL server (embedded, or external from TOKENSTORE_TEST_POSTGRES), opened by its store URI,
 * passes the conformance kit. Each test gets its own database; reopening opens a new store (and pool) on it.
 */
class PostgresContractTest extends TokenStoreContract {
  private @Nullable TestDatabase db;

  @Override
  protected TokenStore openStore() {
    if (db == null) {
      db = TestServers.postgres();
    }
    return TokenStores.open(db.storeUri());
  }

  /** The store's entry table (the table tokenstore_entry) passes the entry-table kit, on the same storage. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return PostgresContractTest.this.openStore();
    }
  }
}
