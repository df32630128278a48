package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store opened without its keyring refuses encrypted records: never ciphertext handed out as a token. */
class EncryptedValuesTest {
  @TempDir Path dir;

  private static final String SEALED = EncryptedValues.PREFIX + "AQIDBAUGBwgJCgsMDQ4PEA";

  @Test
  void aStoreOpenedByUriRefusesARecordWithAnEncryptedSecretAndNamesTheRecord() {
    String uri = "file:" + dir.resolve("tokens.csv");
    try (TokenStore raw = EncryptedValues.withoutCheck(TokenStores.open(uri))) {
      raw.saveToken(OAuthToken.builder().userName("a@example.com").clientId("c").refreshToken(SEALED)
          .accessToken(SEALED + "x").expiresAt(Instant.parse("2030-01-01T00:00:00Z")).build());
      raw.saveToken(OAuthToken.builder().userName("b@example.com").clientId("c").refreshToken("plain").build());
    }
    try (TokenStore store = TokenStores.open(uri)) {
      assertThatThrownBy(() -> store.findToken(OAuthToken.builder().userName("a@example.com").build()))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("record 1")
          .hasMessageContaining("--keyring")
          .hasMessageNotContaining(SEALED)
          .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.ENCRYPTED_STORE));
      assertThatThrownBy(store::getTokens).isInstanceOf(StoreException.class);
      assertThat(store.findToken(OAuthToken.builder().userName("b@example.com").build())).isPresent();
    }
  }

  @Test
  void aSaveThatWouldMergeIntoAnEncryptedRecordIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path file = dir.resolve("tokens.csv");
    String uri = "file:" + file;
    try (TokenStore raw = EncryptedValues.withoutCheck(TokenStores.open(uri))) {
      raw.saveToken(OAuthToken.builder().userName("a@example.com").clientId("c").refreshToken(SEALED)
          .clientSecret(SEALED + "s").build());
    }
    byte[] before = java.nio.file.Files.readAllBytes(file);
    try (TokenStore store = TokenStores.open(uri)) {
      for (OAuthToken write : new OAuthToken[] {
          OAuthToken.builder().userName("a@example.com").accessToken("written-in-plain").build(),
          OAuthToken.builder().id("1").refreshToken("written-in-plain").build()}) {
        assertThatThrownBy(() -> store.saveToken(write))
            .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.ENCRYPTED_STORE));
        assertThatThrownBy(() -> store.saveTokens(java.util.List.of(write)))
            .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.ENCRYPTED_STORE));
      }
      ConditionalSave cas = store.capability(ConditionalSave.class).orElseThrow();
      assertThatThrownBy(() -> cas.saveTokenIf(OAuthToken.builder().id("1").refreshToken(SEALED).build(),
          OAuthToken.builder().id("1").accessToken("written-in-plain").build()))
          .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.ENCRYPTED_STORE));
    }
    assertThat(java.nio.file.Files.readAllBytes(file)).as("nothing written").isEqualTo(before);
  }

  @Test
  void aTokenManagerOverAStoreBuiltDirectlyRefusesToo() {
    MemoryTokenStore memory = MemoryTokenStore.create();
    memory.saveToken(OAuthToken.builder().userName("a@example.com").clientId("c").clientSecret(SEALED)
        .refreshToken("r").accessToken("a").expiresAt(Instant.now().plusSeconds(3600)).build());
    TokenManager manager = TokenManager.builder().store(memory)
        .environment(Environment.zohoAccounts("https://accounts.example.com", "https://www.zohoapis.example.com"))
        .build();
    assertThatThrownBy(() -> manager.accessToken(OAuthToken.builder().userName("a@example.com").build()))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.ENCRYPTED_STORE));
  }

  @Test
  void theCheckIsAppliedOnceAndKeepsCapabilities() {
    TokenStore opened = TokenStores.open("file:" + dir.resolve("t.csv"));
    assertThat(EncryptedValues.refuseEncrypted(opened)).isSameAs(opened);
    assertThat(opened.capability(ConditionalSave.class)).isPresent();
    assertThat(opened.capability(RefreshCoordination.class)).isPresent();
    assertThat(EncryptedValues.withoutCheck(opened)).isNotSameAs(opened);
    opened.close();
  }

  @Test
  void theCheckKeepsTheEntryTableAndLeavesEntriesAlone() {
    try (TokenStore opened = TokenStores.open("file:" + dir.resolve("t.csv"));
        TokenStore other = TokenStores.open("file:" + dir.resolve("t.csv"));
        TokenStore memory = TokenStores.open("memory:")) {
      EntryTable entries = opened.capability(EntryTable.class).orElseThrow();
      // Entries are not tokens: a value that looks sealed is handed out as it is, not refused.
      assertThat(entries.insert("api-key", "k1", SEALED)).isTrue();
      assertThat(other.capability(EntryTable.class).orElseThrow().get("api-key", "k1")).contains(SEALED);
      assertThat(EncryptedValues.refuseEncrypted(MemoryTokenStore.create()).capability(EntryTable.class))
          .isPresent();
      EntryTable m = memory.capability(EntryTable.class).orElseThrow();
      m.put("api-key", "k", "v");
      assertThat(m.get("api-key", "k")).contains("v");
    }
  }
}
