package dev.tokenstore;

/**
 * What went wrong, as a stable code that programs can switch on. Each {@link TokenstoreException} carries
 * one; its message says what happened and what to do. Immutable and thread-safe, as every enum.
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
  /**
   * A file the store keeps next to its data (a lock file, a temp file) is not what it must be: a symbolic or
   * hard link, not a regular file, or owned by another user. Nothing was written through it. Someone may have
   * planted it: remove it, make the folder writable by this user only, and retry.
   */
  UNSAFE_FILE,
  /** The store has been closed. Open a new one. */
  STORE_CLOSED,
  /**
   * The authorization server issued new tokens (a refresh or an exchange succeeded there) but the store could not
   * save them; the cause is the store's failure. The change at the server has happened: a used grant token is
   * gone and, with refresh-token rotation, the stored refresh token no longer works. A token manager keeps a
   * refresh result in memory and saves it again later (see {@code TokenManager}); a process that ends now loses
   * it. Make the store writable; if the stored token is then refused, authorize again.
   */
  TOKEN_NOT_SAVED,
  /** No stored token matches a query that can only name a stored token (an id or a user name alone). */
  TOKEN_NOT_FOUND,
  /**
   * The authorization server no longer accepts the grant or refresh token ({@code invalid_grant},
   * {@code invalid_code}): the user must authorize the application again. The stored record is left as it was.
   */
  REAUTHORIZATION_REQUIRED,
  /** The server rejected the client's credentials or redirect URL: fix the client id, secret or redirect URL. */
  INVALID_CLIENT,
  /** The server throttles this client ({@code Access Denied}, HTTP 429): wait for the retry hint, then retry. */
  THROTTLED,
  /** The server failed or could not be reached (5xx, timeout, reset) after every allowed attempt. Retry later. */
  SERVER_ERROR,
  /** The server's reply does not follow the protocol (malformed body, unexpected status or error). */
  PROTOCOL_ERROR,
  /**
   * Another token manager (usually another process) holds the refresh lease of the token and has neither
   * refreshed it nor released the lease in time. No server was called. Retry later; check that process.
   */
  LEASE_WAIT_TIMEOUT,
  /**
   * The calling thread was interrupted while it waited (for a refresh in flight, a lease, or a retry back-off).
   * Nothing was changed; the interrupt flag is set again.
   */
  INTERRUPTED,
  /**
   * The store holds encrypted tokens and was opened without their keyring, so nothing could be read as a token.
   * Nothing was handed out or changed. Open it with its keyring ({@code --keyring PATH} or {@code TOKENSTORE_KEYRING}
   * in the CLI; {@code tokenstore-crypto}'s {@code EncryptedTokenStore} in a program).
   */
  ENCRYPTED_STORE,
  /**
   * A store opened with a keyring holds a secret in plain text, written by something that bypassed the keyring.
   * It is never handed out as is. Encrypt the store's records ({@code tokenstore rekey --encrypt-plaintext}) or
   * find what wrote it.
   */
  NOT_ENCRYPTED,
  /**
   * A record is encrypted with a key the keyring does not have (the message names the key id): the keyring is
   * another store's, or older than the record, or the key was retired too early. Use the keyring that has it.
   */
  UNKNOWN_KEY,
  /**
   * A stored secret failed authentication: its ciphertext was changed or cut short, or the key with its id is not
   * the key that wrote it. Nothing was handed out. Restore the record from a backup or authorize the user again.
   */
  DECRYPTION_FAILED,
  /**
   * A record's encrypted secrets do not belong to it: they were copied from another record, or its user name or
   * client id was changed outside tokenstore. Nothing was handed out. Restore the record or authorize the user again.
   */
  RECORD_MISMATCH,
  /** A keyring file or keystore is missing, malformed, unsafe or cannot be written; the message says which. */
  KEYRING_ERROR,
  /** A key cannot be retired: it is the primary key, or records of the store still use it (re-encrypt them first). */
  KEY_IN_USE
}
