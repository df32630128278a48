/**
 * Encryption at rest for any {@link dev.tokenstore.TokenStore}: {@link dev.tokenstore.crypto.EncryptedTokenStore}
 * encrypts the access, refresh and grant tokens and the client secret of every record with the keys of a
 * {@link dev.tokenstore.crypto.Keyring} (Google Tink, AES-SIV), keeps lookups by token indexed, detects secrets
 * copied between records, and re-encrypts records online when a new key is made primary. Keys come from a
 * {@link dev.tokenstore.crypto.KeyProvider}: a keyring file, an environment variable, a PKCS#12 keystore, or a
 * provider of your own (a cloud KMS). The design is in {@code docs/encryption.md}.
 */
@NullMarked
package dev.tokenstore.crypto;

import org.jspecify.annotations.NullMarked;
