package dev.tokenstore.oauth;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Something the {@link TokenManager} did, for logs and metrics. Holds no secret: tokens are named by their
 * stored id and user name only. Immutable and thread-safe.
 *
 * @param type what happened
 * @param environment the environment's name
 * @param tokenId the stored record's id, when known
 * @param userName the record's user name, when known
 * @param attempt for {@link Type#RETRY}: the number of the attempt about to be made (2 for the first retry)
 * @param delay for {@link Type#RETRY}: the wait before it; for {@link Type#THROTTLED}: the server's hint
 * @param error for failures: the error (whose message holds no secret)
 */
public record TokenEvent(
    Type type,
    String environment,
    @Nullable String tokenId,
    @Nullable String userName,
    int attempt,
    @Nullable Duration delay,
    @Nullable Throwable error) {

  /** The kinds of event. */
  public enum Type {
    /** This thread calls the token endpoint to refresh a token. */
    REFRESH_STARTED,
    /** A refresh succeeded and was saved. */
    REFRESH_SUCCEEDED,
    /**
     * The server issued new tokens (a refresh or an exchange succeeded there) but the store failed to save them;
     * {@code error} is the store's failure. A refresh result is kept in memory, handed out, and saved again on
     * later calls (see {@link TokenManager#unsavedTokenIds()} and {@link TokenManager#saveUnsaved()}); an exchange
     * result has no record to be kept under, so its call fails with {@code TOKEN_NOT_SAVED}. One event per result.
     */
    SAVE_FAILED,
    /** A refresh failed; the stored record is unchanged. */
    REFRESH_FAILED,
    /** A caller waited for a refresh already in flight instead of starting one. */
    REFRESH_JOINED,
    /** Before calling the server the store already had a fresh token (a sibling refreshed it): it was used. */
    SIBLING_TOKEN_USED,
    /** Another manager holds the refresh lease of this token (see RefreshCoordinator): this one waits for it. */
    LEASE_WAIT,
    /**
     * This manager got the refresh lease of a token whose previous holder let it expire without releasing it
     * (the holder died or stalled mid-refresh): it takes over.
     */
    LEASE_TAKEN_OVER,
    /**
     * The compare-and-set save after a refresh was refused because the stored token changed meanwhile (another
     * refresher saved a newer one while this one's lease had lapsed): the newer stored token is used instead.
     */
    SAVE_CONFLICT,
    /** A grant token was exchanged and the tokens saved. */
    EXCHANGED,
    /** A grant token exchange failed. */
    EXCHANGE_FAILED,
    /** A transient failure is about to be retried after {@code delay}. */
    RETRY,
    /** The server throttled a call. */
    THROTTLED,
    /** The user name was filled after an exchange. */
    USER_NAME_FILLED,
    /** A token was revoked (or was already unknown to the server) and its record deleted. */
    REVOKED,
    /** Cleanup deleted a record. */
    CLEANUP_DELETED
  }
}
