package dev.tokenstore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.EncryptedValues;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code TokenStores.open} with every SQLite URI form. */
class SqliteStoreProviderTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sqlite:%s", "jdbc:sqlite:%s", "SQLite:%s", "sqlite:%s?table=my_tokens",
      "jdbc:sqlite:%s?table=T1&createSchema=true", "jdbc:sqlite:file:%s"})
  void fileUrisOpenAndPersist(String form) throws Exception {
    Path db = dir.resolve("u r i.db");
    String uri = String.format(form, db);
    String saved;
    try (TokenStore store = TokenStores.open(uri)) {
      // TokenStores.open puts every store behind the check that refuses encrypted records
      assertThat(EncryptedValues.withoutCheck(store)).isInstanceOf(JdbcTokenStore.class);
      saved = store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build()).id();
    }
    try (TokenStore again = TokenStores.open(uri)) {
      assertThat(again.findTokenById(saved)).isPresent();
    }
    assertThat(db).exists();
    String table = uri.contains("my_tokens") ? "my_tokens" : uri.contains("T1") ? "T1" : "oauthtoken";
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM " + table)).isEqualTo(1);
  }

  @Test
  void fileUrlForm() throws Exception {
    Path db = dir.resolve("url.db");
    try (TokenStore store = TokenStores.open("jdbc:sqlite:" + db.toUri())) {
      store.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
    }
    assertThat(ZohoDb.count(db, "SELECT count(*) FROM oauthtoken")).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite::memory:", "jdbc:sqlite::memory:", "sqlite::memory:?table=other"})
  void memoryUrisOpenEmptySeparateDatabases(String uri) {
    try (TokenStore a = TokenStores.open(uri); TokenStore b = TokenStores.open(uri)) {
      a.saveToken(OAuthToken.builder().userName("u").refreshToken("r").build());
      assertThat(a.getTokens()).hasSize(1);
      assertThat(b.getTokens()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite:x.db?table=1bad", "sqlite:x.db?table=a%3Bdrop", "sqlite::memory:?table=",
      "sqlite:x.db?table=oauth-token", "sqlite:x.db?tabel=oauthtoken", "sqlite:x.db?createSchema=maybe",
      "sqlite:", "jdbc:sqlite:?table=t"})
  void badUrisAreInvalidStoreUri(String uri) {
    assertThatThrownBy(() -> TokenStores.open(uri))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_STORE_URI));
    assertThat(dir.resolve("x.db")).doesNotExist();
  }

  @Test
  void aNonSqliteFileThroughAUriIsCorruptStore() throws Exception {
    Path f = dir.resolve("tokens.txt");
    Files.writeString(f, "id,user_name,client_id\n1,a@example.com,c\n".repeat(50));
    assertThatThrownBy(() -> TokenStores.open("sqlite:" + f))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> {
          assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.CORRUPT_STORE);
          assertThat(e.getMessage()).contains("tokens.txt");
        });
  }
}
