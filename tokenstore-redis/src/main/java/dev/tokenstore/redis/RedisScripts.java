package dev.tokenstore.redis;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Lua scripts of a {@link RedisTokenStore} and how they run: each is {@code common.lua} plus one body from
 * the resources, called by {@code EVALSHA} (by {@code EVAL} when the server does not have it yet) with the
 * store's two declared keys ({@code <base>seq}, {@code <base>ids}); Jedis failures become
 * {@link ErrorCode#STORE_UNAVAILABLE} exceptions that say what to check.
 *
 * <p>Thread-safe: immutable; the Jedis client pools connections.
 */
final class RedisScripts {
  static final Script FIND = Script.load("find.lua");
  static final Script SAVE = Script.load("save.lua");
  static final Script DELETE = Script.load("delete.lua");
  static final Script ALL = Script.load("all.lua");
  static final Script CLEAR = Script.load("clear.lua");
  static final Script LEASE = Script.load("lease.lua");
  static final Script RELEASE = Script.load("release.lua");

  private final UnifiedJedis client;
  private final String base;
  private final List<String> keys;
  private final String where;

  /**
   * @param base the store's key base, <code>{prefix}:</code>
   * @param where how messages name the server (no password)
   */
  RedisScripts(UnifiedJedis client, String base, String where) {
    this.client = client;
    this.base = base;
    this.keys = List.of(base + "seq", base + "ids");
    this.where = where;
  }

  /**
   * Runs {@code script}; {@code what} says in messages what failed ("save a token").
   *
   * <p>Pooled connections are not checked before use (that would cost a {@code PING}, a second round trip, on
   * every call). A call that fails on a broken connection (the server restarted, or closed an idle connection) is
   * made once more on a new one: the pool drops the broken connection. Every script is safe to repeat: reads
   * and deletes trivially; a save merges the same fields into the record the first run wrote; a compare-and-set
   * save repeated after its first run succeeded is refused, and its caller reads the record again; a lease
   * taken by the same holder is granted again ({@code lease.lua}); a release compares its holder. (A delete whose
   * first run succeeded but whose reply was lost reports that there was nothing to delete.)
   */
  @Nullable Object run(String what, Script script, List<String> args) {
    return call(what, () -> {
      for (int attempt = 1; ; attempt++) {
        try {
          return once(script, args);
        } catch (JedisConnectionException e) {
          // each broken pooled connection is dropped; after a restart the pool may hold several
          if (attempt > MAX_POOLED || !closedByServer(e)) {
            throw e;
          }
        }
      }
    });
  }

  /**
   * Runs a plain command ({@code op}, e.g. an {@code HGET} on the client) with the same failure mapping as
   * {@link #run}. {@code repeatable}: a command that is safe to send again (a read, an idempotent write) is made
   * once more on a new connection when a pooled one turns out closed by the server, as scripts are; one that is not
   * (an {@code HSETNX}, whose second run would report "exists" after the first had created it) fails instead.
   */
  <T> T command(String what, boolean repeatable, Supplier<T> op) {
    return call(what, () -> {
      for (int attempt = 1; ; attempt++) {
        try {
          return op.get();
        } catch (JedisConnectionException e) {
          if (!repeatable || attempt > MAX_POOLED || !closedByServer(e)) {
            throw e;
          }
        }
      }
    });
  }

  /** More than the pool holds ({@code RedisTokenStore.open} sets 16): every broken pooled connection once. */
  private static final int MAX_POOLED = 17;

  /**
   * Whether {@code e} is a pooled connection the server had closed (end of stream, reset, broken pipe): the call
   * never reached a server that could run it. Not a failure to connect or a timeout, which a new connection would
   * only repeat, slowly.
   */
  static boolean closedByServer(JedisConnectionException e) {
    boolean closed = false;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.ConnectException
          || t instanceof java.net.UnknownHostException || t instanceof java.net.NoRouteToHostException) {
        return false;
      }
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (m.startsWith("Failed to connect")) {
        return false;
      }
      if (t instanceof java.net.SocketException || t instanceof java.io.EOFException
          || m.contains("Unexpected end of stream")) {
        closed = true;
      }
    }
    return closed;
  }

  private @Nullable Object once(Script script, List<String> args) {
    try {
      return client.evalsha(script.sha, keys, args);
    } catch (JedisNoScriptException e) {
      return client.eval(script.source, keys, args); // EVAL also caches the script for the next EVALSHA
    }
  }

  private <T> T call(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (JedisAccessControlException e) {
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE,
          "Redis at " + where + " refused to " + what + ": authentication or permission failed (" + e.getMessage()
              + "). Check the user name and password in the URI and the user's ACL (it needs EVAL, EVALSHA, "
              + "HGET, HSET, HSETNX, HDEL, HGETALL and the keys " + base + "*).", e);
    } catch (JedisConnectionException e) {
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE,
          "Cannot " + what + ": Redis at " + where + " is not reachable (" + rootMessage(e) + "). Check that the "
              + "server runs and the host, port and TLS setting (redis:// or rediss://) are right; the store "
              + "reconnects by itself once the server is back.", e);
    } catch (JedisException e) {
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE,
          "Redis at " + where + " failed to " + what + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
              + "). Check the server's log and state (memory, read-only replica); retry when fixed.", e);
    }
  }

  /** The innermost cause (Jedis attaches the per-address connect failures as suppressed exceptions). */
  private static String rootMessage(Throwable e) {
    Throwable t = e;
    for (int depth = 0; depth < 10; depth++) {
      if (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      } else if (t.getSuppressed().length > 0) {
        t = t.getSuppressed()[0];
      } else {
        break;
      }
    }
    String outer = e.getMessage() == null ? "" : e.getMessage();
    String inner = t == e ? "" : "; " + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    return outer + inner;
  }

  /** A Lua script: the shared part and one body from the resources, with its SHA-1 for EVALSHA. Immutable. */
  static final class Script {
    final String source;
    final String sha;

    private Script(String source) {
      this.source = source;
      this.sha = sha1Hex(source);
    }

    static Script load(String name) {
      return new Script(resource("common.lua") + "\n" + resource(name));
    }

    private static String resource(String name) {
      try (InputStream in = RedisTokenStore.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource dev/tokenstore/redis/" + name);
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static String sha1Hex(String s) {
      try {
        byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder(40);
        for (byte b : d) {
          sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is required by every Java platform", e);
      }
    }
  }
}
