package dev.tokenstore;

/**
 * What went wrong, as a stable code that programs can switch on. Each {@link TokenStoreException} carries
 * one; its message says what happened and what to do.
 */
public enum ErrorCode {
  /** A caller passed a value the operation cannot take (e.g. a token with nothing to store). Fix the call. */
  INVALID_ARGUMENT,
  /** A query matched several records and the rules forbid guessing. Narrow the query (client id, id). */
  AMBIGUOUS_MATCH,
  /** A save would give two records the same user, client and API domain. Delete one or save by id. */
  DUPLICATE_TOKEN,
  /** The store's URI is malformed or names a scheme no installed module provides. */
  INVALID_STORE_URI,
  /** The store's data cannot be read: a malformed file or an unexpected table layout. Nothing was written. */
  CORRUPT_STORE,
  /** The store cannot be reached or written: I/O error, database down, permissions. Retry when fixed. */
  STORE_UNAVAILABLE,
  /** The store has been closed. Open a new one. */
  STORE_CLOSED
}
