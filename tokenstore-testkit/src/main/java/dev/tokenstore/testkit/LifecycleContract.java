package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.codeOf;
import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about closing and reopening: closed stores refuse work, tokens survive,
 * handles share writes, no secret in toString; the contract's {@code @Nested} class {@code Lifecycle} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class LifecycleContract extends ContractGroup {
  LifecycleContract(TokenStoreContract contract) {
    super(contract);
  }

  @Test
  void aClosedStoreRefusesWorkWithStoreClosed() {
    store.saveToken(fullToken("a@example.com"));
    store.close();
    store.close(); // idempotent
    assertThatThrownBy(() -> store.getTokens())
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.STORE_CLOSED));
    assertThatThrownBy(() -> store.saveToken(fullToken("b@example.com")))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.STORE_CLOSED));
  }

  @Test
  void tokensSurviveReopening() throws Exception {
    List<OAuthToken> saved = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      saved.add(store.saveToken(fullToken("u" + i + "@example.com")));
    }
    store.close();
    TokenStore reopened = open();
    if (persistent()) {
      assertThat(reopened.getTokens()).containsExactlyElementsOf(saved);
      OAuthToken next = reopened.saveToken(fullToken("new@example.com"));
      assertThat(saved.stream().map(OAuthToken::id)).doesNotContain(next.id());
    } else {
      assertThat(reopened.getTokens()).isEmpty();
    }
  }

  @Test
  void twoOpenHandlesSeeEachOthersWrites() throws Exception {
    if (!persistent()) {
      assertThat(open().getTokens()).as("a non-persistent store shares nothing").isEmpty();
      return;
    }
    TokenStore second = open();
    OAuthToken a = store.saveToken(fullToken("a@example.com"));
    assertThat(second.findToken(OAuthToken.builder().userName("a@example.com").build())).contains(a);
    OAuthToken b = second.saveToken(fullToken("b@example.com"));
    assertThat(b.id()).isNotEqualTo(a.id());
    assertThat(store.findTokenById(idOf(b))).contains(b);
  }

  @Test
  void toStringShowsNoSecret() {
    store.saveToken(fullToken("a@example.com"));
    assertThat(store.toString())
        .doesNotContain("secret-a@example.com")
        .doesNotContain("1000.refresh.a@example.com")
        .doesNotContain("1000.access.a@example.com");
  }
}
