package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.testkit.EntryTableContract;
import dev.tokenstore.testkit.TokenStoreContract;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.embedded.RedisServer;
import redis.embedded.RedisShardedCluster;
import redis.embedded.core.ExecutableProvider;

/**
 * The key layout works on Redis Cluster: the conformance kit passes on an embedded three-master cluster, with
 * stores whose prefixes land on different masters. Each store's scripts touch one slot.
 */
class RedisClusterContractTest extends TokenStoreContract {
  private static RedisClusterClient client;
  private static AssertionError failure; // start once; later tests repeat the first failure

  private final String prefix = RedisTestServer.freshPrefix();

  private static synchronized RedisClusterClient cluster() {
    if (failure != null) {
      throw failure;
    }
    if (client == null) {
      // The ports are free when chosen but released before the nodes bind them (redis cannot be told to take any
      // free port and report it): another process of a busy machine may take one meanwhile. A start that fails is
      // therefore tried again on other ports, a few times; that retries the setup, never a test.
      List<Integer> ports = null;
      RedisShardedCluster cluster = null;
      for (int attempt = 1; cluster == null; attempt++) {
        ports = clusterPorts(3);
        int p1 = ports.get(0);
        int p2 = ports.get(1);
        int p3 = ports.get(2);
        RedisShardedCluster candidate = null;
        try {
          // a folder of its own per run: the nodes write their cluster config and a dump there on shutdown
          candidate = RedisShardedCluster.newRedisCluster()
              .withServerBuilder(RedisServer.newRedisServer().executableProvider(ExecutableProvider.newJarResourceProvider(
                  RedisTestServer.binaryDir("embedded-redis-cluster-" + ProcessHandle.current().pid()))))
              .serverPorts(List.of(p1, p2, p3)) // before shard(): each shard takes its port when added
              .shard("master1", 0).shard("master2", 0).shard("master3", 0)
              .build();
          candidate.start();
          cluster = candidate;
        } catch (IOException | RuntimeException e) {
          if (candidate != null) {
            try {
              candidate.stop(); // the nodes that did start
            } catch (IOException | RuntimeException ignored) {
              // nothing more to release
            }
          }
          if (attempt == 3) {
            throw failure = new AssertionError("Could not start an embedded three-node Redis Cluster on 127.0.0.1 "
                + "ports " + p1 + ", " + p2 + ", " + p3 + " (and those + 10000 for the cluster bus; the last of "
                + attempt + " attempts on other ports): " + e + ". Free those ports or check that the temp directory "
                + "allows executing files.", e);
          }
        }
      }
      RedisShardedCluster started = cluster;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.stop();
        } catch (IOException | RuntimeException ignored) {
          // the JVM is ending
        }
      }, "embedded-redis-cluster-stop"));
      awaitClusterOk(ports);
      client = RedisClusterClient.create(Set.of(new HostAndPort("127.0.0.1", ports.get(0))));
    }
    return client;
  }

  /**
   * Waits (at most 60 s: generous, for a loaded machine) until every node sees all slots covered; the nodes
   * converge a moment after start.
   */
  private static void awaitClusterOk(List<Integer> ports) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int port : ports) {
      while (true) {
        String info;
        try (Jedis node = new Jedis("127.0.0.1", port)) {
          info = node.clusterInfo();
        }
        if (info.contains("cluster_state:ok")) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw failure = new AssertionError("The embedded Redis Cluster did not reach cluster_state:ok within 60 s "
              + "(node " + port + "): " + info);
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for the cluster", e);
        }
      }
    }
  }

  /** Distinct free ports whose cluster-bus port (+10000) is free too; all held open while choosing. */
  private static List<Integer> clusterPorts(int n) {
    List<ServerSocket> held = new ArrayList<>();
    List<Integer> out = new ArrayList<>();
    try {
      for (int attempt = 0; attempt < 200 && out.size() < n; attempt++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        int port = s.getLocalPort();
        if (port + 10000 > 65535) {
          continue;
        }
        try {
          held.add(new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress()));
          out.add(port);
        } catch (IOException busy) {
          // the bus port is taken; try another
        }
      }
    } catch (IOException e) {
      throw new AssertionError("No free local ports for an embedded Redis Cluster: " + e, e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // releasing a probe socket
        }
      }
    }
    if (out.size() < n) {
      throw new AssertionError("Found only " + out.size() + " of " + n + " free port pairs (p, p+10000) for Redis Cluster");
    }
    return out;
  }

  @Override
  protected TokenStore openStore() {
    return RedisTokenStore.using(cluster(), prefix);
  }

  @Test
  void storesWithDifferentPrefixesSpreadOverTheMasters() {
    RedisClusterClient c = cluster();
    Set<String> owners = new java.util.HashSet<>();
    for (int i = 0; i < 12; i++) {
      String p = RedisTestServer.freshPrefix();
      try (RedisTokenStore s = RedisTokenStore.using(c, p)) {
        OAuthToken saved = s.saveToken(OAuthToken.builder().userName("u@example.com").refreshToken("r").build());
        assertThat(s.findTokenById(saved.id())).contains(saved);
        try (Connection owner = c.getConnectionFromSlot(JedisClusterCRC16.getSlot("{" + p + "}"))) {
          owners.add(owner.getHostAndPort().toString());
        }
      }
    }
    assertThat(owners).as("masters that hold a store").hasSizeGreaterThan(1);
  }

  /** The store's entry table (one hash per kind under the store's prefix) passes the entry-table kit. */
  @Nested
  class Entries extends EntryTableContract {
    @Override
    protected TokenStore openStore() {
      return RedisClusterContractTest.this.openStore();
    }
  }
}
