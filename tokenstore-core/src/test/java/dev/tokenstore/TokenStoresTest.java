package dev.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.memory.MemoryTokenStore;
import org.junit.jupiter.api.Test;

class TokenStoresTest {
  @Test
  void opensMemoryStores() {
    try (TokenStore a = TokenStores.open("memory:"); TokenStore b = TokenStores.open(" MEMORY: ")) {
      assertThat(a.capability(MemoryTokenStore.class)).isPresent();
      a.saveToken(OAuthToken.builder().refreshToken("r").build());
      assertThat(b.getTokens()).as("each memory: is its own store").isEmpty();
    }
  }

  @Test
  void unknownSchemeSaysWhatIsKnownAndMasksThePassword() {
    assertThatThrownBy(() -> TokenStores.open("oracle://scott:tiger@db/x"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("memory")
        .hasMessageContaining("oracle://scott:***@db/x")
        .hasMessageNotContaining("tiger")
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.INVALID_STORE_URI));
  }

  @Test
  void emptyUriIsAClearError() {
    assertThatThrownBy(() -> TokenStores.open(" "))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void memoryTakesNoPath() {
    assertThatThrownBy(() -> TokenStores.open("memory:foo"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("memory:");
  }
}
