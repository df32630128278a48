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
 * process): read the record whose id is {@code update.id()}; if it exists and its access token, refresh token and
 * client secret are all equal to those of {@code expected} (null equal to null), save {@code update} exactly as
 * {@code saveToken(update)} would (merge, checks) and return the stored result; otherwise change nothing and
 * return empty. {@link #matches} is the comparison.
 *
 * <p>The client secret is part of the condition for decorators that keep record-level data in it: an
 * encrypting store keeps there the seal that binds the record's secrets to the record, which changes with every
 * write of a sealed field, so its compare-and-set covers the whole record it writes. A {@code TokenManager} whose
 * save is refused because only the client secret changed reads the record again and saves its refresh on top of
 * it ({@link #sameTokens}): a refresh result is dropped only when the tokens it replaces changed.
 *
 * <p>Implementations are thread-safe.
 */
public interface ConditionalSave {

  /**
   * Saves {@code update} only if the stored record with its id still holds the access token, refresh token and
   * client secret of {@code expected}.
   *
   * @param expected the record as the caller read it before refreshing
   * @param update the refresh result; its id names the record
   * @return the stored record after the save, or empty when the record changed or is gone (nothing written)
   * @throws dev.tokenstore.TokenstoreException {@link dev.tokenstore.ErrorCode#INVALID_ARGUMENT} if {@code update} has no id
   * @throws dev.tokenstore.StoreException as {@code saveToken} for store failures
   */
  Optional<OAuthToken> saveTokenIf(OAuthToken expected, OAuthToken update);

  /**
   * Whether {@code stored} still holds the access token, refresh token and client secret of {@code expected}: the
   * compare-and-set condition.
   */
  static boolean matches(@Nullable OAuthToken stored, OAuthToken expected) {
    return stored != null && sameTokens(stored, expected)
        && Objects.equals(stored.clientSecret(), expected.clientSecret());
  }

  /** Whether {@code stored} still holds the access and refresh token of {@code expected} (its client secret aside). */
  static boolean sameTokens(@Nullable OAuthToken stored, OAuthToken expected) {
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
