package dev.tokenstore.spi;

import dev.tokenstore.internal.InJvmRefreshCoordinator;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides which of several token managers (threads, processes, machines) sharing a store may refresh a token
 * now. Within one JVM a {@code TokenManager} already lets only one caller per token call the server; a
 * coordinator extends that across managers, and with a shared store across processes.
 *
 * <h2>How the manager uses it</h2>
 * Before it calls the token endpoint for the record with id {@code identity.tokenId()}, the manager calls
 * {@link #tryAcquire}. With a lease it rereads the store: if a sibling already refreshed, it uses that token
 * without calling the server; otherwise it refreshes, saves, and closes the lease. Without a lease (another
 * holder) it waits a little, rereads the store, and tries again, until the stored token is fresh or it gets
 * the lease; it never waits longer than the lease time, after which a dead holder's lease has expired.
 *
 * <h2>For store implementers</h2>
 * A store that can coordinate implements {@link RefreshCoordination} and returns its coordinator. Leases must
 * expire by themselves after {@code lease} (a process may die holding one), and a lease must carry a
 * {@linkplain RefreshLease#fence() fencing value} that grows with every grant for the same identity, so that a
 * save made under a lapsed lease can be recognized. Stores without coordination get {@link #inJvm()}.
 *
 * <p>Implementations are thread-safe.
 */
public interface RefreshCoordinator {

  /**
   * A lease on refreshing {@code identity}, or empty when someone else holds an unexpired one. Never blocks
   * for long: at most one short round trip to the store.
   *
   * @param identity which token (environment and stored record id)
   * @param lease how long the lease lasts unless closed earlier
   */
  Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease);

  /** The default: leases held in this JVM's memory, shared by every manager that uses this instance. */
  static RefreshCoordinator inJvm() {
    return InJvmRefreshCoordinator.SHARED;
  }

  /** Which token a lease is about: the environment's name and the stored record's id. Immutable. */
  record RefreshIdentity(String environment, String tokenId) {
    public RefreshIdentity {
      java.util.Objects.requireNonNull(environment, "environment");
      java.util.Objects.requireNonNull(tokenId, "tokenId");
    }
  }

  /** A granted lease. Closing it releases it early; closing twice is harmless. Thread-safe. */
  interface RefreshLease extends AutoCloseable {
    /** A value that grows with every lease granted for the same identity. */
    long fence();

    /** Whether the lease has not yet expired or been closed. */
    boolean isValid();

    @Override
    void close();
  }
}
