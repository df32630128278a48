package dev.tokenstore.redis;

import dev.tokenstore.spi.EntryTable;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The {@link EntryTable} of a {@link RedisTokenStore}: one hash per kind, {@code {prefix}:entry:<kind>}, whose fields
 * are the names and whose values are the values, as they are (UTF-8). The key carries the store's hash tag, so on
 * Redis Cluster every entry of a store lives in the store's slot. Each operation is one command, atomic on the
 * server: {@code HGET}, {@code HSETNX} (create-if-absent: exactly one of several concurrent callers gets 1),
 * {@code HSET}, {@code HDEL} and {@code HGETALL} (sorted here, by {@link String#compareTo}). The token scripts never
 * touch these keys, so {@code getTokens()} never sees an entry and {@code deleteTokens()} keeps them.
 *
 * <p>Failures are {@code StoreException}s with {@code STORE_UNAVAILABLE}, as for the tokens ({@link RedisScripts}),
 * whose messages hold no name or value. A command on a pooled connection that the server had closed is sent again
 * on a new one, except {@code HSETNX}: were its first run to have reached the server, a second one would report the
 * entry as someone else's.
 *
 * <p>Thread-safe: immutable; the Jedis client pools connections.
 */
final class RedisEntryTable implements EntryTable {
  private final UnifiedJedis client;
  private final RedisScripts scripts;
  private final Runnable checkOpen;
  private final String base;
  private final String where;

  /**
   * @param base the store's key base, <code>{prefix}:</code>
   * @param checkOpen fails when the store is closed
   */
  RedisEntryTable(UnifiedJedis client, RedisScripts scripts, Runnable checkOpen, String base, String where) {
    this.client = client;
    this.scripts = scripts;
    this.checkOpen = checkOpen;
    this.base = base;
    this.where = where;
  }

  /** The hash of the entries of {@code kind} (a checked kind: lower-case letters, digits, '.', '_', '-'). */
  String keyOf(String kind) {
    return base + "entry:" + kind;
  }

  @Override
  public Optional<String> get(String kind, String name) {
    EntryTable.check(kind, name, null);
    checkOpen.run();
    return Optional.ofNullable(scripts.command("read an entry", true, () -> client.hget(keyOf(kind), name)));
  }

  @Override
  public boolean insert(String kind, String name, String value) {
    EntryTable.check(kind, name, value);
    Objects.requireNonNull(value, "value");
    checkOpen.run();
    long created = scripts.command("insert an entry", false, () -> client.hsetnx(keyOf(kind), name, value));
    return created == 1;
  }

  @Override
  public void put(String kind, String name, String value) {
    EntryTable.check(kind, name, value);
    Objects.requireNonNull(value, "value");
    checkOpen.run();
    scripts.command("write an entry", true, () -> client.hset(keyOf(kind), name, value));
  }

  @Override
  public boolean remove(String kind, String name) {
    EntryTable.check(kind, name, null);
    checkOpen.run();
    long removed = scripts.command("remove an entry", true, () -> client.hdel(keyOf(kind), name));
    return removed > 0;
  }

  @Override
  public SortedMap<String, String> list(String kind) {
    EntryTable.check(kind, "-", null); // the kind only
    checkOpen.run();
    Map<String, String> all = scripts.command("list the entries", true, () -> client.hgetAll(keyOf(kind)));
    return Collections.unmodifiableSortedMap(new TreeMap<>(all));
  }

  /**
   * {@code SCAN} over <code>{prefix}:entry:*</code> (the pattern carries the store's hash tag, so on Redis Cluster
   * it walks the store's slot only); a kind's hash exists while it holds a field.
   */
  @Override
  public SortedSet<String> kinds() {
    checkOpen.run();
    String prefix = keyOf("");
    return scripts.command("list the entry kinds", true, () -> {
      TreeSet<String> out = new TreeSet<>();
      ScanParams params = new ScanParams().match(prefix + "*").count(100);
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> page = client.scan(cursor, params);
        for (String key : page.getResult()) {
          String kind = key.substring(prefix.length());
          if (EntryTable.KIND.matcher(kind).matches()) {
            out.add(kind);
          }
        }
        cursor = page.getCursor();
      } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
      return Collections.unmodifiableSortedSet(out);
    });
  }

  @Override
  public String toString() {
    return "RedisEntryTable{" + where + ", keys " + base + "entry:*}";
  }
}
