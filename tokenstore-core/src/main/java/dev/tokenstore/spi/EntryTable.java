package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A small table of named text entries kept in the same engine as a store's tokens, so that every process sharing
 * the store sees them: the API keys of {@code tokenstore serve} (hashed), and other small records the faces keep
 * beside the tokens. It is not a token store: entries never mix with tokens, are never listed by
 * {@code getTokens()}, and are not encrypted by an encrypting decorator (keep only what may be read by whoever can
 * read the store, e.g. hashes). Callers find it with {@code store.capability(EntryTable.class)}, which decorators
 * forward (see {@link ForwardingTokenStore}).
 *
 * <p>An entry is addressed by a <em>kind</em> (a namespace such as {@code "api-key"}, matching {@link #KIND}) and
 * a <em>name</em> within that kind (1 to 200 characters, no control characters). Its value is text of at most
 * {@link #MAX_VALUE_CHARS} characters, without NUL characters or unpaired surrogates (a small JSON document, typically). Each operation is atomic on its own;
 * {@link #insert} is a create-if-absent that exactly one of several concurrent callers (threads or processes) wins.
 *
 * <p>Built in: the memory, file ({@code <name>.entries} beside the CSV file, 0600, replaced atomically under the
 * store's lock), SQL ({@code tokenstore_entry} table, created on first use) and Redis (one hash per kind) stores.
 *
 * <p>Implementations are thread-safe.
 */
public interface EntryTable {
  /** The form of a kind: lower-case letters, digits, {@code .}, {@code _} and {@code -}, 1 to 64 characters. */
  Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  /** The longest value an entry may hold, in characters. */
  int MAX_VALUE_CHARS = 65_536;

  /** The value of the entry {@code kind}/{@code name}, or empty. */
  Optional<String> get(String kind, String name);

  /**
   * Creates the entry unless one of that kind and name exists. Returns whether this call created it (of several
   * concurrent callers, exactly one gets {@code true}).
   */
  boolean insert(String kind, String name, String value);

  /** Creates the entry or replaces its value. */
  void put(String kind, String name, String value);

  /** Deletes the entry; returns whether it existed. */
  boolean remove(String kind, String name);

  /** Every entry of {@code kind}, by name in {@link String#compareTo} order; empty when there is none. */
  SortedMap<String, String> list(String kind);

  /**
   * The kinds that hold at least one entry, in {@link String#compareTo} order: what a copy of the whole table
   * ({@code tokenstore migrate}) walks.
   */
  SortedSet<String> kinds();

  /**
   * Checks a kind, name and (unless null) value against the rules above; every implementation calls it first.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} naming what is wrong
   */
  static void check(String kind, String name, @Nullable String value) {
    if (kind == null || !KIND.matcher(kind).matches()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An entry kind must be 1 to 64 lower-case letters, "
          + "digits, '.', '_' or '-', starting with a letter or digit.");
    }
    if (name == null || name.isEmpty() || name.length() > 200
        || name.codePoints().anyMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029)
        || !storable(name)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An entry name must be 1 to 200 characters without "
          + "control characters.");
    }
    if (value != null && value.length() > MAX_VALUE_CHARS) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An entry value may hold at most " + MAX_VALUE_CHARS
          + " characters; this one has " + value.length() + ".");
    }
    if (value != null && !storable(value)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "An entry value must not hold a NUL character or "
          + "half of a surrogate pair (not every engine keeps them).");
    }
  }

  /** No NUL and no unpaired surrogate: text that every engine (PostgreSQL's TEXT, UTF-8 files) keeps exactly. */
  private static boolean storable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
