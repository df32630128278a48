package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Compare-and-set saves, implemented by a {@link dev.tokenstore.TokenStore} shared by several processes, so that
 * a refresher whose lease has lapsed (it was slow, paused or partitioned) can never overwrite a newer token that
 * another refresher saved meanwhile.
 *
 * <p>A {@code TokenManager} saves the result of every refresh with {@link #saveTokenIf} when its store
 * implements this interface. When the save is refused, it rereads the store and hands out the newer token; the
 * refreshed token it holds is dropped (with rotating refresh tokens the stored one is the newest valid one).
 * Stores without this interface get a plain {@code saveToken}.
 *
 * <h2>Contract</h2>
 * Atomically (one transaction, script or lock that also excludes every other save of the same record from any
 * process): read the record whose id is {@code update.id()}; if it exists and its access token and refresh token
 * are both equal to those of {@code expected} (null equal to null), save {@code update} exactly as
 * {@code saveToken(update)} would (merge, checks) and return the stored result; otherwise change nothing and
 * return empty. {@link #matches} is the comparison.
 *
 * <p>Implementations are thread-safe.
 */
public interface ConditionalSave {

  /**
   * Saves {@code update} only if the stored record with its id still holds the access and refresh token of
   * {@code expected}.
   *
   * @param expected the record as the caller read it before refreshing
   * @param update the refresh result; its id names the record
   * @return the stored record after the save, or empty when the record changed or is gone (nothing written)
   * @throws dev.tokenstore.TokenstoreException {@link dev.tokenstore.ErrorCode#INVALID_ARGUMENT} if {@code update} has no id
   * @throws dev.tokenstore.StoreException as {@code saveToken} for store failures
   */
  Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update);

  /** Whether {@code stored} still holds the access and refresh token of {@code expected}: the CAS condition. */
  static boolean matches(@Nullable OAuthToken stored, OAuthToken expected) {
    return stored != null
        && Objects.equals(stored.accessToken(), expected.accessToken())
        && Objects.equals(stored.refreshToken(), expected.refreshToken());
  }

  /** The id of {@code update}, or an {@code INVALID_ARGUMENT} error. A helper for implementations. */
  static String requireId(OAuthToken update) {
    String id = update.id();
    if (id == null) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "A conditional save needs the id of the record to update; the update has none.");
    }
    return id;
  }
}
