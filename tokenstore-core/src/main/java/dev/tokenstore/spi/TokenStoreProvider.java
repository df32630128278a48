package dev.tokenstore.spi;

import dev.tokenstore.TokenStore;
import java.util.List;

/**
 * Adds URI schemes to {@link dev.tokenstore.TokenStores#open(String)}. A module registers implementations in
 * {@code META-INF/services/dev.tokenstore.spi.TokenStoreProvider}; they must have a public no-argument
 * constructor and be thread-safe.
 */
public interface TokenStoreProvider {

  /**
   * The URI prefixes this provider opens, without the trailing colon: {@code "memory"}, {@code "file"},
   * {@code "jdbc:sqlite"}. The longest prefix that matches a URI wins.
   */
  List<String> schemes();

  /**
   * Opens the store the URI describes.
   *
   * @throws dev.tokenstore.StoreException {@code INVALID_STORE_URI} for a malformed URI (the message
   *     masks passwords, see {@link StoreUris#mask(String)}), or the store's own errors
   */
  TokenStore open(String uri);
}
