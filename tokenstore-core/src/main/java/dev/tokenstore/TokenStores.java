package dev.tokenstore;

import dev.tokenstore.spi.EncryptedValues;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spi.TokenStoreProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Opens a {@link TokenStore} from a URI string. Built in: {@code memory:} and {@code file:PATH}; modules add
 * more through {@link TokenStoreProvider} ({@code tokenstore-jdbc}: {@code sqlite:PATH}, {@code sqlite::memory:},
 * {@code jdbc:sqlite:PATH}).
 *
 * <p>Thread-safe. Providers are found with {@link ServiceLoader} on each call, through the context class
 * loader and this class's loader.
 */
public final class TokenStores {
  private TokenStores() {}

  /**
   * Opens the store {@code uri} names. The store refuses records with encrypted secrets
   * ({@link ErrorCode#ENCRYPTED_STORE}, see {@link EncryptedValues}): open an encrypted store through
   * {@code tokenstore-crypto}'s {@code EncryptedTokenStore}, which reads them with its keyring.
   *
   * @throws StoreException {@link ErrorCode#INVALID_STORE_URI} for an unknown scheme or a malformed URI
   *     (the message masks any password), or the store's own error when it cannot open
   */
  public static TokenStore open(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new StoreException(
          ErrorCode.INVALID_STORE_URI,
          "The store URI is empty. Use e.g. 'memory:', 'file:sdk_tokens.txt' or 'sqlite:tokens.db'.");
    }
    String trimmed = uri.strip();
    TokenStoreProvider best = null;
    int bestLength = -1;
    for (TokenStoreProvider p : providers()) {
      for (String scheme : p.schemes()) {
        if (trimmed.regionMatches(true, 0, scheme + ":", 0, scheme.length() + 1) && scheme.length() > bestLength) {
          best = p;
          bestLength = scheme.length();
        }
      }
    }
    if (best == null) {
      TreeSet<String> known = new TreeSet<>();
      providers().forEach(p -> known.addAll(p.schemes()));
      throw new StoreException(
          ErrorCode.INVALID_STORE_URI,
          "No store handles the URI '" + StoreUris.mask(trimmed) + "'. Known schemes: "
              + String.join(", ", known) + ". For another scheme, add the module that provides it "
              + "(e.g. tokenstore-jdbc for sqlite:) to the class path.");
    }
    return EncryptedValues.refuseEncrypted(best.open(trimmed));
  }

  /** The installed providers, each once. */
  public static List<TokenStoreProvider> providers() {
    List<TokenStoreProvider> out = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader cl : new ClassLoader[] {context, TokenStores.class.getClassLoader()}) {
      if (cl == null) {
        continue;
      }
      for (TokenStoreProvider p : ServiceLoader.load(TokenStoreProvider.class, cl)) {
        if (seen.add(p.getClass().getName())) {
          out.add(p);
        }
      }
    }
    out.sort(Comparator.comparing(p -> p.getClass().getName()));
    return out;
  }
}
