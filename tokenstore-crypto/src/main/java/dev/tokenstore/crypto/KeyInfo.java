package dev.tokenstore.crypto;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One key of a {@link Keyring}, without its key material: what {@code tokenstore keys list} shows.
 *
 * @param id the key id (unsigned 32 bits), written in front of every ciphertext the key makes
 * @param created when the key was made, or null when the source does not say (a PKCS#12 entry without a date)
 * @param primary whether new writes use this key
 */
public record KeyInfo(long id, @Nullable Instant created, boolean primary) {}
