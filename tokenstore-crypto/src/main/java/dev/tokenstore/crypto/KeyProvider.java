package dev.tokenstore.crypto;

/**
 * Where an {@link EncryptedTokenStore} gets its {@link Keyring}: the seam for a key source of your own.
 *
 * <p>Built in ({@link KeyProviders}): a keyring file ({@link KeyringFile}, made by {@code tokenstore keys init}),
 * an environment variable holding the keyring's text, and a PKCS#12 keystore of AES keys.
 *
 * <h2>Online rotation</h2>
 * The store calls {@link #keyring()} before every write and whenever a record names a key id its keyring lacks,
 * so a provider that sees a new keyring (a rotated file, a new KMS key version) hands it to every running process
 * without a restart. Keep {@code keyring()} cheap when nothing changed: return the keyring you hold
 * ({@link KeyringFile} looks at the file's modification time and size only).
 *
 * <h2>A cloud KMS</h2>
 * Keep the keyring's text wrapped by a KMS key and unwrap it here. With Tink's KMS extensions
 * ({@code tink-gcpkms}, {@code tink-awskms}) the KMS key is an {@link com.google.crypto.tink.Aead}:
 *
 * <pre>{@code
 * Aead kek = new GcpKmsClient().withDefaultCredentials().getAead("gcp-kms://projects/.../cryptoKeys/tokens");
 * // once: Files.writeString(path, Keyring.generate(Clock.systemUTC()).toJson(kek));
 * KeyProvider kms = () -> Keyring.fromJson(Files.readString(path), path.toString(), kek);
 * }</pre>
 *
 * No KMS provider ships here: none can be tested offline. Implementations must be thread-safe; failures are
 * {@link dev.tokenstore.TokenstoreException}s with {@link dev.tokenstore.ErrorCode#KEYRING_ERROR} and no key
 * material in their messages.
 */
@FunctionalInterface
public interface KeyProvider {

  /** The current keyring. Called often: return a held keyring unless the source changed. */
  Keyring keyring();

  /** Where the keys come from, for messages (a path, a variable name); never key material. */
  default String description() {
    return getClass().getSimpleName();
  }
}
