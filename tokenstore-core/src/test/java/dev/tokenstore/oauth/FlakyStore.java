package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import java.util.List;
import java.util.Optional;

/** A real memory store whose saves can be made to fail, as a database that went away would. */
final class FlakyStore implements TokenStore {
  final MemoryTokenStore delegate = MemoryTokenStore.create();
  volatile boolean failSaves;

  @Override
  public Optional<OAuthToken> findToken(OAuthToken query) {
    return delegate.findToken(query);
  }

  @Override
  public OAuthToken saveToken(OAuthToken token) {
    if (failSaves) {
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "The test store refuses writes.");
    }
    return delegate.saveToken(token);
  }

  @Override
  public boolean deleteToken(String id) {
    return delegate.deleteToken(id);
  }

  @Override
  public List<OAuthToken> getTokens() {
    return delegate.getTokens();
  }

  @Override
  public void deleteTokens() {
    delegate.deleteTokens();
  }

  @Override
  public Optional<OAuthToken> findTokenById(String id) {
    return delegate.findTokenById(id);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
