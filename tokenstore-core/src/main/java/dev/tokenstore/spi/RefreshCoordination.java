package dev.tokenstore.spi;

/**
 * Implemented by a {@link dev.tokenstore.TokenStore} that can coordinate refreshes across the processes that
 * share it (see {@link RefreshCoordinator}). A {@code TokenManager} built on such a store uses its coordinator
 * unless one is set explicitly; other stores get {@link RefreshCoordinator#inJvm()}. Callers find it with
 * {@code store.capability(RefreshCoordination.class)}, which decorators forward (see {@link ForwardingTokenStore}).
 *
 * <p>Implementations are thread-safe.
 */
public interface RefreshCoordination {
  /** The coordinator for this store; the same instance on every call. Thread-safe. */
  RefreshCoordinator refreshCoordinator();
}
