package dev.tokenstore.jdbc;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testkit.TokenStoreContract;

/** A {@code jdbc:sqlite:} URL with a custom table name passes the conformance kit. */
class JdbcUrlContractTest extends TokenStoreContract {
  @Override
  protected TokenStore openStore() {
    return TokenStores.open("jdbc:sqlite:" + tempDir.resolve("zohooauth.db") + "?table=my_tokens");
  }
}
