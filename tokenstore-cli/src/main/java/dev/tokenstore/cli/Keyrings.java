package dev.tokenstore.cli;

import dev.tokenstore.crypto.KeyInfo;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.KeyringFile;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The keyring option's value ({@code --keyring}, {@code --from-keyring}, {@code TOKENSTORE_KEYRING}) as
 * {@link KeyProviders#parse} takes it: {@code PATH}, {@code file:PATH}, {@code env:NAME}, {@code pkcs12:PATH};
 * {@code ~/} at the start of a path is the home folder. Never prints key material: a keyring shows as its
 * {@link KeyProvider#description()} and its keys as {@link KeyInfo}. Static methods only; thread-safe.
 */
final class Keyrings {
  private Keyrings() {}

  /**
   * The keys {@code spec} names.
   *
   * @throws dev.tokenstore.TokenstoreException {@code KEYRING_ERROR} for an unset variable or a missing keystore
   *     password (exit 1)
   */
  static KeyProvider provider(String spec, Map<String, String> environment) {
    if (isFile(spec)) {
      return KeyringFile.at(filePath(spec, null));
    }
    return KeyProviders.parse(expandHome(spec), environment);
  }

  /** Whether {@code spec} names a keyring file (not {@code env:} or {@code pkcs12:}). */
  static boolean isFile(String spec) {
    return !spec.startsWith("env:") && !spec.startsWith("pkcs12:");
  }

  /**
   * The keyring file {@code spec} names. When it names a variable or a keystore, a usage error saying that
   * {@code command} (when not null) changes keyring files only.
   */
  static Path filePath(String spec, @Nullable String command) {
    if (!isFile(spec)) {
      String kind = spec.startsWith("env:") ? "an environment variable (" + spec + ")"
          : "a PKCS#12 keystore (" + spec + ")";
      throw new CliException(ExitCodes.USAGE, "'tokenstore " + command + "' works on a keyring file, and the "
          + "keyring is " + kind + ": give the file's path with --keyring PATH (or TOKENSTORE_KEYRING=PATH). "
          + (spec.startsWith("env:") ? "To change a keyring kept in a variable, change it as a file "
              + "('keys init' / 'keys rotate' on a file), then put the file's content in the variable."
              : "Keys of a keystore are added and removed with keytool (see the README)."));
    }
    String path = expandHome(spec.startsWith("file:") ? spec.substring(5) : spec);
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw new CliException(ExitCodes.USAGE, "The keyring path '" + TerminalText.escape(path) + "' is not a "
          + "path (" + e.getReason() + ").");
    }
  }

  /** {@code ~/x}, {@code file:~/x} and {@code pkcs12:~/x}: {@code ~} is the user's home. */
  static String expandHome(String spec) {
    if (spec.startsWith("~/")) {
      return System.getProperty("user.home") + spec.substring(1);
    }
    return StoreSession.expandHome(spec);
  }

  /** A key for a table or message: its id, and "primary" when it is. */
  static String describe(KeyInfo k) {
    return k.id() + (k.primary() ? " (primary)" : "");
  }
}
