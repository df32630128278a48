package dev.tokenstore.internal;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The entries of a {@code spi.EntryTable} in memory: one sorted map of names to values per kind. Used by the
 * memory store and by the file store for its parsed {@code <name>.entries} file. The arguments are checked by the
 * caller ({@code EntryTable.check}).
 *
 * <p>Not thread-safe: the owning store guards it with a lock.
 */
public final class EntryMap {
  private final Map<String, TreeMap<String, String>> byKind = new HashMap<>();
  private int size;

  /** The value of {@code kind}/{@code name}, or empty. */
  public Optional<String> get(String kind, String name) {
    TreeMap<String, String> names = byKind.get(kind);
    return names == null ? Optional.empty() : Optional.ofNullable(names.get(name));
  }

  /** Adds the entry unless it exists; returns whether it was added. */
  public boolean insert(String kind, String name, String value) {
    TreeMap<String, String> names = byKind.computeIfAbsent(kind, k -> new TreeMap<>());
    if (names.putIfAbsent(name, value) != null) {
      return false;
    }
    size++;
    return true;
  }

  /** Adds or replaces the entry; returns whether the map changed. */
  public boolean put(String kind, String name, String value) {
    String old = byKind.computeIfAbsent(kind, k -> new TreeMap<>()).put(name, value);
    if (old == null) {
      size++;
    }
    return !value.equals(old);
  }

  /** Removes the entry; returns whether it existed. */
  public boolean remove(String kind, String name) {
    TreeMap<String, String> names = byKind.get(kind);
    if (names == null || names.remove(name) == null) {
      return false;
    }
    size--;
    if (names.isEmpty()) {
      byKind.remove(kind);
    }
    return true;
  }

  /** A copy of the entries of {@code kind}, by name in {@link String#compareTo} order. */
  public SortedMap<String, String> list(String kind) {
    TreeMap<String, String> names = byKind.get(kind);
    return names == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(names));
  }

  /** A copy of the kinds that hold an entry, in order (a kind whose last entry was removed is gone). */
  public SortedSet<String> kinds() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(byKind.keySet()));
  }

  /** Calls {@code each} with kind, name and value for every entry: kinds in order, names in order within a kind. */
  public void forEach(EntryConsumer each) {
    new TreeMap<>(byKind).forEach((kind, names) -> names.forEach((name, value) -> each.accept(kind, name, value)));
  }

  /** How many entries there are. */
  public int size() {
    return size;
  }

  /** Removes every entry. */
  public void clear() {
    byKind.clear();
    size = 0;
  }

  /** What {@link #forEach} calls with each entry. */
  @FunctionalInterface
  public interface EntryConsumer {
    void accept(String kind, String name, String value);
  }
}
