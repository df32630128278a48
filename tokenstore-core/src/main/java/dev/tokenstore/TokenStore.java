package dev.tokenstore;

import java.util.List;
import java.util.Optional;

/**
 * Where tokens are kept: the six operations of Zoho's token persistence.
 *
 * <h2>Which record a token means</h2>
 * {@link #findToken} and {@link #saveToken} decide which stored record a (partly filled) token means by
 * the first rule that applies:
 * <ol>
 *   <li>id set: the record with that id;
 *   <li>user name set: that user's record; when the token also has a client id or an API domain, only a record
 *       with the same client id (API domain) matches. A user-only query that matches several records is an
 *       {@link ErrorCode#AMBIGUOUS_MATCH} error, never a guess;
 *   <li>access token set and no client id or secret: the record with that access token;
 *   <li>grant token set: the record with that grant token;
 *   <li>refresh token set: the record with that refresh token (and the same client id when the token has one);
 *   <li>otherwise: no record. Never "the first row".
 * </ol>
 * The rules live in one place, {@link dev.tokenstore.spi.TokenKey#of(OAuthToken)}; stores translate its
 * result into their own lookup.
 *
 * <h2>Saving</h2>
 * {@link #saveToken} merges: fields set on the new token overwrite, fields it leaves {@code null} keep their
 * stored values. A new record needs at least one of refresh, grant or access token. New ids are numeric
 * strings, unique across threads and processes. Two records never share user name, client id and API domain.
 *
 * <h2>Contract for implementations</h2>
 * Implementations are thread-safe, every operation is atomic, and every failure is a
 * {@link TokenStoreException} whose message holds no secret. {@code tokenstore-testkit}'s
 * {@code TokenStoreContract} checks all of this for any implementation.
 */
public interface TokenStore extends AutoCloseable {

  /**
   * The full stored token that {@code query} means, or empty.
   *
   * @throws TokenStoreException {@link ErrorCode#AMBIGUOUS_MATCH} when several records match
   */
  Optional<OAuthToken> findToken(OAuthToken query);

  /**
   * Inserts {@code token} or merges it into the record it means; returns the record as stored, with its id.
   *
   * @throws TokenStoreException {@link ErrorCode#INVALID_ARGUMENT} for a new record with no refresh, grant or
   *     access token; {@link ErrorCode#AMBIGUOUS_MATCH}; {@link ErrorCode#DUPLICATE_TOKEN}
   */
  OAuthToken saveToken(OAuthToken token);

  /** Deletes the record with this id; true if there was one. */
  boolean deleteToken(String id);

  /** Every stored record, ordered by id (numerically where ids are numbers). */
  List<OAuthToken> getTokens();

  /** Deletes every record of this store (and nothing else). */
  void deleteTokens();

  /** The record with this id, or empty. */
  Optional<OAuthToken> findTokenById(String id);

  /** Releases files, connections and locks. Idempotent; later operations fail with {@link ErrorCode#STORE_CLOSED}. */
  @Override
  void close();
}
