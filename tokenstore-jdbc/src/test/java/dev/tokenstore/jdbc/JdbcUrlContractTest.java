package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import org.junit.jupiter.api.Nested;

/** A {@code jdbc:sqlite:} URL with a custom table name passes the conformance kit. */
class JdbcUrlContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("jdbc:sqlite:" + tempDir.resolve("zohooauth.db") + "?table=my_tokens");
  }

  /** The store's entry table (the table tokenstore_entry) passes the entry-table kit, on the same storage. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return JdbcUrlContractTest.this.openStore();
    }
  }
}
