package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.util.Optional;

/**
 * A decorator of a real store ({@link ForwardingTokenStore}) whose saves, plain and compare-and-set, fail with
 * {@link ErrorCode#STORE_UNAVAILABLE} while {@link #refuse} is set, as a store that went read-only or away would;
 * reads and leases are the real store's. Thread-safe if the store is.
 */
final class RefusingStore extends ForwardingTokenStore {
  volatile boolean refuse;
  volatile int refused;
  /** While refusing, this many writes still go through first (a store that fails between two writes). */
  volatile int passBeforeRefusing;

  RefusingStore(TokenStore store) {
    super(store);
  }

  private void check() {
    if (refuse && passBeforeRefusing > 0) {
      passBeforeRefusing--;
      return;
    }
    if (refuse) {
      refused++;
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "The test store refuses writes (read-only).");
    }
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    check();
    return super.saveToken(token);
  }

  @Override
  protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
    check();
    return super.saveTokenIf(target, expected, update);
  }
}
