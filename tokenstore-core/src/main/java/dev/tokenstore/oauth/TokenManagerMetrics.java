package dev.tokenstore.oauth;

/**
 * Counters of a {@link TokenManager} since it was built, read with {@link TokenManager#metrics()}.
 * An immutable snapshot; thread-safe.
 *
 * @param tokenEndpointCalls HTTP calls to the token endpoint (each attempt counts)
 * @param refreshes refreshes that succeeded
 * @param refreshFailures refreshes that failed (after their retries)
 * @param joins callers that waited for a refresh in flight instead of starting one
 * @param siblingTokensUsed times the store already held a fresher token when a refresh was about to call the server
 * @param exchanges grant tokens exchanged
 * @param retries retries of transient failures
 * @param throttled calls the server throttled
 * @param revokes tokens revoked
 * @param storeReads reads of the store by the manager (hand-outs from memory do not read the store)
 * @param leaseWaits refreshes that waited because another manager held the token's refresh lease
 * @param leaseTakeovers refresh leases this manager took over from a holder that let them expire unreleased
 * @param saveConflicts refresh results not saved because the stored token had changed (compare-and-set lost);
 *     the newer stored token was used
 * @param saveFailures results of the token endpoint (refreshes, exchanges) the store failed to save
 *     ({@link TokenEvent.Type#SAVE_FAILED}); {@link TokenManager#unsavedTokenIds()} tells which are still unsaved
 */
public record TokenManagerMetrics(
    long tokenEndpointCalls,
    long refreshes,
    long refreshFailures,
    long joins,
    long siblingTokensUsed,
    long exchanges,
    long retries,
    long throttled,
    long revokes,
    long storeReads,
    long leaseWaits,
    long leaseTakeovers,
    long saveConflicts,
    long saveFailures) {}
