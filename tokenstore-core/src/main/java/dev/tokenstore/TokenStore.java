package dev.tokenstore;

import java.util.List;
import java.util.Objects;
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
 * <h2>Optional capabilities</h2>
 * A store shared by several processes may offer more than the six operations: cross-process refresh leases
 * ({@link dev.tokenstore.spi.RefreshCoordination}) and compare-and-set saves
 * ({@link dev.tokenstore.spi.ConditionalSave}). Callers find them with {@link #capability(Class)}, never with
 * {@code instanceof}, so that a decorator (logging, metrics, encryption) built on
 * {@link dev.tokenstore.spi.ForwardingTokenStore} keeps them.
 *
 * <h2>Contract for implementations</h2>
 * Implementations are thread-safe, every operation is atomic, and every failure is a
 * {@link StoreException} whose message holds no secret. {@code tokenstore-testkit}'s
 * {@code TokenStoreContract} checks all of this for any implementation.
 */
public interface TokenStore extends AutoCloseable {

  /**
   * The full stored token that {@code query} means, or empty.
   *
   * @throws StoreException {@link ErrorCode#AMBIGUOUS_MATCH} when several records match
   */
  Optional<OAuthToken> findToken(OAuthToken query);

  /**
   * Inserts {@code token} or merges it into the record it means; returns the record as stored, with its id.
   *
   * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} for a new record with no refresh, grant or
   *     access token; {@link ErrorCode#AMBIGUOUS_MATCH}; {@link ErrorCode#DUPLICATE_TOKEN}
   */
  OAuthToken saveToken(OAuthToken token);

  /**
   * Saves each of {@code tokens} as {@link #saveToken} would, in order (a later token sees what the earlier ones
   * saved), and returns the records as stored. For moving many tokens at once ({@code tokenstore migrate}): a store
   * that can do it in one write does, all or nothing (the file store rewrites its file once; the SQL stores use
   * one transaction). The default saves one by one: a failure leaves the tokens before it saved.
   *
   * @throws StoreException as {@link #saveToken}, for the first token that fails
   */
  default List<OAuthToken> saveTokens(List<OAuthToken> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    List<OAuthToken> out = new java.util.ArrayList<>(tokens.size());
    for (OAuthToken t : tokens) {
      out.add(saveToken(t));
    }
    return out;
  }

  /** Deletes the record with this id; true if there was one. */
  boolean deleteToken(String id);

  /** Every stored record, ordered by id (numerically where ids are numbers). */
  List<OAuthToken> getTokens();

  /** Deletes every record of this store (and nothing else). */
  void deleteTokens();

  /** The record with this id, or empty. */
  Optional<OAuthToken> findTokenById(String id);

  /**
   * This store seen as {@code type}, an optional capability such as {@link dev.tokenstore.spi.RefreshCoordination}
   * or {@link dev.tokenstore.spi.ConditionalSave}, or empty when the store does not offer it. In the spirit of
   * JDBC's {@code Wrapper.unwrap}: the default returns this store when it implements {@code type}; a decorator
   * answers for the store it wraps (see {@link dev.tokenstore.spi.ForwardingTokenStore}), and may hide a
   * capability it cannot honour. Use this, not {@code instanceof}, to find a capability. Thread-safe.
   *
   * <pre>{@code
   * RefreshCoordinator c = store.capability(RefreshCoordination.class)
   *     .map(RefreshCoordination::refreshCoordinator)
   *     .orElseGet(RefreshCoordinator::inJvm);
   * }</pre>
   *
   * @param type the capability's interface (or any class the store may be)
   * @return the capability, backed by this store, or empty
   */
  default <T> Optional<T> capability(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
  }

  /** Releases files, connections and locks. Idempotent; later operations fail with {@link ErrorCode#STORE_CLOSED}. */
  @Override
  void close();
}
