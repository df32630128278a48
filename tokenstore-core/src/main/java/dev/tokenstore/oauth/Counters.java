package dev.tokenstore.oauth;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one token manager, read as {@link TokenManagerMetrics}. Thread-safe (adders). */
final class Counters {
  final LongAdder endpointCalls = new LongAdder();
  final LongAdder refreshes = new LongAdder();
  final LongAdder refreshFailures = new LongAdder();
  final LongAdder joins = new LongAdder();
  final LongAdder siblingTokens = new LongAdder();
  final LongAdder exchanges = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder throttled = new LongAdder();
  final LongAdder revokes = new LongAdder();
  final LongAdder storeReads = new LongAdder();
  final LongAdder leaseWaits = new LongAdder();
  final LongAdder leaseTakeovers = new LongAdder();
  final LongAdder saveConflicts = new LongAdder();
  final LongAdder saveFailures = new LongAdder();

  /** The counters so far. */
  TokenManagerMetrics metrics() {
    return new TokenManagerMetrics(endpointCalls.sum(), refreshes.sum(), refreshFailures.sum(), joins.sum(),
        siblingTokens.sum(), exchanges.sum(), retries.sum(), throttled.sum(), revokes.sum(), storeReads.sum(),
        leaseWaits.sum(), leaseTakeovers.sum(), saveConflicts.sum(), saveFailures.sum());
  }
}
