package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about deleting one record, unknown and hostile ids, and all records; the
 * contract's {@code @Nested} class {@code Deleting} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class DeletingContract extends ContractGroup {
  DeletingContract(TokenStoreContract contract) {
    super(contract);
  }

  @Test
  void deleteTokenDeletesOnlyThatRecord() {
    OAuthToken a = store.saveToken(fullToken("a@example.com"));
    OAuthToken b = store.saveToken(fullToken("b@example.com"));
    assertThat(store.deleteToken(idOf(a))).isTrue();
    assertThat(store.deleteToken(idOf(a))).as("second delete").isFalse();
    assertThat(store.findTokenById(idOf(a))).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").build())).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().refreshToken(a.refreshToken()).build())).isEmpty();
    assertThat(store.getTokens()).containsExactly(b);
  }

  @Test
  void deleteUnknownOrHostileIdIsFalse() {
    store.saveToken(fullToken("a@example.com"));
    assertThat(store.deleteToken("12345")).isFalse();
    assertThat(store.deleteToken("1 OR 1=1")).isFalse();
    assertThat(store.deleteToken("1'; DELETE FROM oauthtoken; --")).isFalse();
    assertThat(store.getTokens()).hasSize(1);
  }

  @Test
  void deleteTokensEmptiesTheStoreAndItStaysUsable() {
    for (int i = 0; i < 5; i++) {
      store.saveToken(fullToken("u" + i + "@example.com"));
    }
    store.deleteTokens();
    assertThat(store.getTokens()).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().userName("u1@example.com").build())).isEmpty();
    OAuthToken again = store.saveToken(fullToken("u1@example.com"));
    assertThat(store.getTokens()).containsExactly(again);
  }
}
