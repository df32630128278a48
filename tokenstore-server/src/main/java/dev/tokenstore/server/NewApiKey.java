package dev.tokenstore.server;

import dev.tokenstore.Secrets;
import java.util.Objects;

/**
 * A key just made by {@link ApiKeys#create}: the only time the key itself is known. Give {@link #key()} to the
 * application (it sends {@code Authorization: Bearer KEY}); it cannot be shown again. {@link #toString()} redacts
 * the key. Immutable and thread-safe.
 *
 * @param name the key's name
 * @param key the key: {@code tsk_} and 43 base64url characters (256 random bits)
 * @param scope what the key may do
 */
public record NewApiKey(String name, String key, ApiScope scope) {
  public NewApiKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(scope, "scope");
  }

  @Override
  public String toString() {
    return "NewApiKey[name=" + name + ", key=" + Secrets.redact(key) + ", scope=" + scope.label() + "]";
  }
}
