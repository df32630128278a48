package dev.tokenstore.redis;

import java.net.URI;
import java.util.Set;
import java.util.TreeSet;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** A plain Jedis client on the test server for looking at the keys a store wrote. Not thread-safe. */
final class RedisKeys implements AutoCloseable {
  final RedisClient jedis = RedisClient.create(URI.create(RedisTestServer.baseUri()));

  /** Every key of the store with this prefix (SCAN, so it works on a busy shared server). */
  Set<String> keys(String prefix) {
    Set<String> out = new TreeSet<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    ScanParams params = new ScanParams().match("{" + prefix + "}:*").count(1000);
    do {
      ScanResult<String> r = jedis.scan(cursor, params);
      out.addAll(r.getResult());
      cursor = r.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return out;
  }

  /** Deletes every key of the store with this prefix, so that tests leave an external server clean. */
  static void drop(String prefix) {
    try (RedisKeys r = new RedisKeys()) {
      for (String k : r.keys(prefix)) {
        r.jedis.del(k);
      }
    }
  }

  @Override
  public void close() {
    jedis.close();
  }
}
