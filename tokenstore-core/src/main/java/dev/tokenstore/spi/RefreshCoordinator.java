package dev.tokenstore.spi;

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
 * the lease; it never waits longer than the lease time, after which a dead holder's lease has expired. It waits
 * through {@link #awaitRelease} (a coordinator that is told of releases wakes it at once); a coordinator without
 * that wait is polled with a short backoff (2 ms doubling to 20 ms).
 *
 * <h2>For store implementers: what a custom store implements to join</h2>
 * A store used by one process only needs nothing: managers get {@link #inJvm()}, which lets one caller per token
 * and JVM call the server (in-JVM single flight). A store shared by several processes joins the cross-process
 * coordination by implementing two interfaces on its {@link dev.tokenstore.TokenStore} class:
 * <ol>
 *   <li>{@link RefreshCoordination}, returning one {@code RefreshCoordinator} whose {@link #tryAcquire}
 *       <ul>
 *         <li>grants at most one unexpired lease per {@link RefreshIdentity} at a time, across every process that
 *             shares the store (an atomic compare-and-set on the engine: a row updated with
 *             {@code WHERE lease_until < now OR holder = ?}, {@code SET NX PX}, a lock held only for the
 *             check-and-write, ...);
 *         <li>lets a lease expire by itself after {@code lease}, measured on one clock all processes agree on
 *             (the database's or the host's), so that a process killed while holding one (kill -9) is taken
 *             over after the lease time, never deadlocked;
 *         <li>gives each grant a {@linkplain RefreshLease#fence() fencing value} that grows with every grant for
 *             the same identity, and reports through {@link RefreshLease#tookOver()} whether the grant replaced
 *             an expired, unreleased lease;
 *         <li>releases on {@link RefreshLease#close()} only the lease it granted (compare-and-delete on the
 *             holder or fence), never a later holder's;
 *         <li>never blocks for long (one short round trip), and returns empty rather than waiting.
 *       </ul>
 *   <li>{@link ConditionalSave}, so that the save after a refresh is a compare-and-set: a refresher whose lease
 *       lapsed can never overwrite a newer token.
 * </ol>
 * Without {@link ConditionalSave} a coordinating store still prevents concurrent refreshes while leases are
 * honoured; without {@link RefreshCoordination} processes refresh independently (one per process and expiry).
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

  /**
   * Optional: waits until the lease on {@code identity} that another holder has (the caller's last
   * {@link #tryAcquire} returned empty) is released or expires, or {@code max} passes, whichever comes first;
   * may return earlier (a release of the identity seen from before the call, a notification of another lease).
   * The manager calls it with {@code max} = its poll interval (20 ms) and calls {@link #tryAcquire} again after
   * it returns, so a release whose notification is lost costs one poll interval, never correctness: an
   * implementation must not wait past {@code max} nor past the lease's expiry, and may rely on notifications
   * that can be lost (LISTEN/NOTIFY, pub/sub).
   *
   * <p>The default returns false at once: this coordinator cannot wait for a release, and the caller waits
   * itself (2 ms doubling to 20 ms). A coordinator that overrides it returns true.
   *
   * @param identity which token's lease
   * @param max the longest wait
   * @return true when this coordinator waited (the caller retries at once); false when it did not wait
   * @throws InterruptedException when the waiting thread is interrupted
   */
  default boolean awaitRelease(RefreshIdentity identity, Duration max) throws InterruptedException {
    return false;
  }

  /**
   * The default: leases held in this JVM's memory, one instance shared by every manager of the JVM that has no
   * other coordinator. Thread-safe.
   */
  static RefreshCoordinator inJvm() {
    return InJvmRefreshCoordinator.SHARED;
  }

  /**
   * A new in-JVM coordinator that shares its leases with no other instance (unlike {@link #inJvm()}): managers
   * given the same new instance coordinate with each other only. Thread-safe.
   */
  static RefreshCoordinator newInJvm() {
    return new InJvmRefreshCoordinator();
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

    /**
     * Whether this grant replaced an earlier holder's lease that had expired without being released (its
     * holder died or stalled): a take-over. Default false.
     */
    default boolean tookOver() {
      return false;
    }

    @Override
    void close();
  }
}
