package dev.tokenstore.memory;

import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spi.TokenStoreProvider;
import java.util.List;

/** Opens {@code memory:} (each call a new, empty store). Thread-safe. */
public final class MemoryStoreProvider implements TokenStoreProvider {
  @Override
  public List<String> schemes() {
    return List.of("memory");
  }

  @Override
  public TokenStore open(String uri) {
    String rest = uri.substring("memory:".length());
    if (!rest.isEmpty()) {
      throw StoreUris.invalid(uri, "'memory:' takes nothing after the colon.");
    }
    return MemoryTokenStore.create();
  }
}
