package dev.tokenstore.redis;

import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.TokenStoreProvider;
import java.util.List;

/**
 * Opens {@code redis://} and {@code rediss://} URIs for {@link dev.tokenstore.TokenStores#open(String)}; see
 * {@link RedisTokenStore}. Thread-safe (stateless).
 */
public final class RedisStoreProvider implements TokenStoreProvider {
  @Override
  public List<String> schemes() {
    return List.of("redis", "rediss");
  }

  @Override
  public TokenStore open(String uri) {
    return RedisTokenStore.open(uri);
  }
}
