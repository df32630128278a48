package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.testkit.TokenStoreContract;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.embedded.RedisShardedCluster;

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
      int p1 = RedisTestServer.freePort();
      int p2 = RedisTestServer.freePort();
      int p3 = RedisTestServer.freePort();
      RedisShardedCluster cluster;
      try {
        cluster = RedisShardedCluster.newRedisCluster()
            .serverPorts(List.of(p1, p2, p3)) // before shard(): each shard takes its port when added
            .shard("master1", 0).shard("master2", 0).shard("master3", 0)
            .build();
        cluster.start();
      } catch (IOException | RuntimeException e) {
        throw failure = new AssertionError("Could not start an embedded three-node Redis Cluster on 127.0.0.1 ports " + p1
            + ", " + p2 + ", " + p3 + " (and those + 10000 for the cluster bus): " + e + ". Free those ports or "
            + "check that the temp directory allows executing files.", e);
      }
      RedisShardedCluster started = cluster;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.stop();
        } catch (IOException | RuntimeException ignored) {
          // the JVM is ending
        }
      }, "embedded-redis-cluster-stop"));
      client = RedisClusterClient.create(Set.of(new HostAndPort("127.0.0.1", p1)));
    }
    return client;
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
}
