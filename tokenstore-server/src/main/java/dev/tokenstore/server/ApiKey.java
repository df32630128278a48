package dev.tokenstore.server;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored API key as {@link ApiKeys#list()} shows it: its name, scope, when it was made and a fingerprint of
 * the key ({@link dev.tokenstore.Secrets#fingerprint}: six hex digits of its SHA-256, enough to tell keys apart, useless to an attacker). The key
 * itself is never stored: only its hash. Immutable and thread-safe.
 *
 * @param name the key's name (letters, digits, {@code .}, {@code _}, {@code -}; 1 to 64 characters)
 * @param scope what the key may do
 * @param created when the key was made
 * @param fingerprint {@code Secrets.fingerprint(key)}
 */
public record ApiKey(String name, ApiScope scope, Instant created, String fingerprint) {
  public ApiKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(fingerprint, "fingerprint");
  }
}
