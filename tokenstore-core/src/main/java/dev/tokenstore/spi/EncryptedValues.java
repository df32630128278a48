package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import org.jspecify.annotations.Nullable;

/**
 * How an encrypted secret looks in a store, so that a store opened without its keyring refuses encrypted records
 * instead of handing out ciphertext as a token (see {@code tokenstore-crypto}'s {@code EncryptedTokenStore}).
 *
 * <p>An encrypted secret is a string that starts with {@link #PREFIX}; no OAuth server issues tokens that start
 * with it. {@link dev.tokenstore.TokenStores#open(String)} and every {@code TokenManager} put their store behind
 * {@link #refuseEncrypted(TokenStore)}, so a record with an encrypted access, refresh or grant token or client
 * secret is an {@link ErrorCode#ENCRYPTED_STORE} error there, for reads and for saves that would merge into such a
 * record (refused before anything is written).
 *
 * <p>Stateless and thread-safe.
 */
public final class EncryptedValues {
  /** The start of every encrypted secret: {@code tse1.} (tokenstore encryption, format 1), then base64url. */
  public static final String PREFIX = "tse1.";

  private EncryptedValues() {}

  /** Whether {@code value} is an encrypted secret (starts with {@link #PREFIX}). */
  public static boolean isEncrypted(@Nullable String value) {
    return value != null && value.startsWith(PREFIX);
  }

  /** Whether any of the four secrets of {@code token} (access, refresh, grant token, client secret) is encrypted. */
  public static boolean anyEncrypted(OAuthToken token) {
    return isEncrypted(token.accessToken()) || isEncrypted(token.refreshToken()) || isEncrypted(token.grantToken())
        || isEncrypted(token.clientSecret());
  }

  /**
   * {@code stored} when none of its secrets is encrypted.
   *
   * @throws StoreException {@link ErrorCode#ENCRYPTED_STORE} otherwise; the message names the record, never a secret
   */
  public static OAuthToken requirePlain(OAuthToken stored) {
    if (anyEncrypted(stored)) {
      throw new StoreException(ErrorCode.ENCRYPTED_STORE,
          "The store holds encrypted tokens (record " + (stored.id() == null ? "without id" : stored.id())
              + ") and was opened without their keyring. Give the keyring: --keyring PATH or TOKENSTORE_KEYRING "
              + "in the CLI, EncryptedTokenStore (tokenstore-crypto) in a program.");
    }
    return stored;
  }

  /**
   * {@code store} behind a check that refuses every encrypted record it returns ({@link #requirePlain}); the store
   * itself when it already is. Capabilities are kept (see {@link ForwardingTokenStore}).
   */
  public static TokenStore refuseEncrypted(TokenStore store) {
    return store instanceof PlainOnly ? store : new PlainOnly(store);
  }

  /**
   * The store beneath the check of {@link #refuseEncrypted}, or {@code store} itself: for a decorator that reads
   * encrypted records (an encrypting store wraps this).
   */
  public static TokenStore withoutCheck(TokenStore store) {
    return store instanceof PlainOnly p ? p.wrapped() : store;
  }

  /** The check of {@link #refuseEncrypted}: every token returned passes {@link #requirePlain}. */
  private static final class PlainOnly extends ForwardingTokenStore {
    PlainOnly(TokenStore store) {
      super(store);
    }

    TokenStore wrapped() {
      return delegate();
    }

    @Override
    protected OAuthToken fromDelegate(OAuthToken stored) {
      return requirePlain(stored);
    }

    // A save merges into the record it means: an encrypted record is refused before anything is written into it
    // (a plain token merged into it would be handed to no one and break its seal).

    @Override
    public OAuthToken saveToken(OAuthToken token) {
      delegate().findToken(token).ifPresent(EncryptedValues::requirePlain);
      return super.saveToken(token);
    }

    @Override
    public java.util.List<OAuthToken> saveTokens(java.util.List<OAuthToken> tokens) {
      for (OAuthToken t : tokens) {
        delegate().findToken(t).ifPresent(EncryptedValues::requirePlain);
      }
      return super.saveTokens(tokens);
    }

    @Override
    protected java.util.Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected,
        OAuthToken update) {
      delegate().findTokenById(ConditionalSave.requireId(update)).ifPresent(EncryptedValues::requirePlain);
      return super.saveTokenIf(target, expected, update);
    }

    @Override
    public String toString() {
      return delegate().toString();
    }
  }
}
