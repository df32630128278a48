package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenPages#items}: a plain store's items are its page; a decorator's view reports a record its reveal
 * refuses with an error of {@link TokenPages#UNREADABLE_RECORD} as an unreadable item and fails on any other error.
 */
class TokenPagesItemsTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private static TokenStore storeOf(String... users) {
    TokenStore s = TokenStores.open("memory:");
    for (String u : users) {
      s.saveToken(OAuthToken.builder().userName(u).refreshToken("1000.rt." + u).build());
    }
    return s;
  }

  @Test
  void aPlainStoresItemsAreItsPageEveryOneReadable() {
    try (TokenStore s = storeOf("a", "b")) {
      TokenPages pages = TokenPages.of(s);
      List<TokenPages.Item> items = pages.items(TokenPages.Filter.ALL, null, 10, NOW);
      assertThat(items).allMatch(TokenPages.Item::readable).extracting(TokenPages.Item::token)
          .isEqualTo(pages.page(TokenPages.Filter.ALL, null, 10, NOW));
      assertThat(TokenPages.scanning(s).items(TokenPages.Filter.ALL, null, 10, NOW)).isEqualTo(items);
    }
  }

  @Test
  void aViewReportsARecordItsRevealRefusesAsUnreadableAndFailsOnOtherErrors() {
    try (TokenStore s = storeOf("a", "bad", "c", "down")) {
      TokenPages view = TokenPages.of(s).revealedBy(t -> {
        if ("bad".equals(t.userName())) {
          throw new StoreException(ErrorCode.DECRYPTION_FAILED, "record " + t.id() + " is damaged");
        }
        if ("down".equals(t.userName())) {
          throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "the store went away");
        }
        return t;
      });
      assertThatThrownBy(() -> view.page(TokenPages.Filter.ALL, null, 2, NOW))
          .isInstanceOfSatisfying(TokenstoreException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.DECRYPTION_FAILED));
      List<TokenPages.Item> items = view.items(TokenPages.Filter.ALL, null, 3, NOW);
      assertThat(items).extracting(TokenPages.Item::userName).containsExactly("a", "bad", "c");
      TokenPages.Item bad = items.get(1);
      assertThat(bad.readable()).isFalse();
      assertThat(bad.token()).isNull();
      assertThat(bad.id()).isEqualTo("2");
      assertThat(bad.error().code()).isEqualTo(ErrorCode.DECRYPTION_FAILED);
      // an error of the store, not of one record, still fails the page
      assertThatThrownBy(() -> view.items(TokenPages.Filter.ALL, null, 10, NOW))
          .isInstanceOfSatisfying(TokenstoreException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
    }
  }

  @Test
  void viewsOfViewsCompose() {
    try (TokenStore s = storeOf("a", "bad", "c")) {
      TokenPages inner = TokenPages.of(s).revealedBy(t -> {
        if ("bad".equals(t.userName())) {
          throw new StoreException(ErrorCode.RECORD_MISMATCH, "record " + t.id() + " does not fit its seal");
        }
        return t;
      });
      TokenPages outer = inner.revealedBy(t -> t.toBuilder().clientId("outer").build());
      List<TokenPages.Item> items = outer.items(TokenPages.Filter.ALL, null, 10, NOW);
      assertThat(items).extracting(i -> i.error() == null ? i.token().clientId() : i.error().code().name())
          .containsExactly("outer", "RECORD_MISMATCH", "outer");
      assertThat(items.get(1).userName()).isEqualTo("bad");
    }
  }

  @Test
  void anItemHoldsATokenOrAnErrorNeverBothNorNeither() {
    OAuthToken t = OAuthToken.builder().id("1").userName("a").build();
    TokenstoreException e = new TokenstoreException(ErrorCode.UNKNOWN_KEY, "key 7");
    assertThatThrownBy(() -> new TokenPages.Item("1", "a", t, e)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenPages.Item("1", "a", null, null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(TokenPages.Item.unreadable(t, e)).isEqualTo(new TokenPages.Item("1", "a", null, e));
  }
}
