package dev.tokenstore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.EntryTable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/** The keys the store writes: layout, index consistency after updates, prefixes, hostile values. */
class RedisLayoutTest {
  private final String prefix = RedisTestServer.freshPrefix();
  private final RedisTokenStore store = TokenStores.open(RedisTestServer.storeUri(prefix))
      .capability(RedisTokenStore.class).orElseThrow();
  private final RedisKeys redis = new RedisKeys();

  @AfterEach
  void close() {
    store.close();
    redis.close();
    RedisKeys.drop(prefix);
  }

  private static OAuthToken token(String user) {
    return OAuthToken.builder().userName(user).clientId("c").clientSecret("s-" + user).refreshToken("r-" + user)
        .accessToken("a-" + user).grantToken("g-" + user).expiresAt(Instant.ofEpochMilli(1_900_000_000_123L))
        .redirectUrl("https://x/cb").apiDomain("https://www.zohoapis.com").build();
  }

  private String indexKey(String index, String value) throws Exception {
    byte[] d = MessageDigest.getInstance("SHA-1").digest(value.getBytes(StandardCharsets.UTF_8));
    return "{" + prefix + "}:" + index + ":" + HexFormat.of().formatHex(d);
  }

  /** The keys a store holding exactly {@code tokens} must have: nothing more, nothing less. */
  private Set<String> expectedKeys(OAuthToken... tokens) throws Exception {
    Set<String> out = new HashSet<>();
    out.add("{" + prefix + "}:seq");
    out.add("{" + prefix + "}:ids");
    for (OAuthToken t : tokens) {
      out.add("{" + prefix + "}:token:" + t.id());
      if (t.userName() != null) {
        out.add(indexKey("user", t.userName()));
      }
      if (t.accessToken() != null) {
        out.add(indexKey("access", t.accessToken()));
      }
      if (t.grantToken() != null) {
        out.add(indexKey("grant", t.grantToken()));
      }
      if (t.refreshToken() != null) {
        out.add(indexKey("refresh", t.refreshToken()));
      }
    }
    return out;
  }

  @Test
  void aTokenIsAHashWithZohosColumnNamesAndEpochMillisExpiry() {
    OAuthToken saved = store.saveToken(token("a@example.com").toBuilder().redirectUrl(null).build());
    Map<String, String> hash = redis.jedis.hgetAll("{" + prefix + "}:token:" + saved.id());
    assertThat(hash).containsEntry("id", saved.id())
        .containsEntry("user_name", "a@example.com")
        .containsEntry("expiry_time", "1900000000123")
        .doesNotContainKey("redirect_url")
        .hasSize(9);
  }

  @Test
  void updatesThatChangeUserAndTokensLeaveNoStaleIndexEntries() throws Exception {
    OAuthToken a = store.saveToken(token("a@example.com"));
    OAuthToken b = store.saveToken(token("b@example.com"));
    assertThat(redis.keys(prefix)).isEqualTo(expectedKeys(a, b));

    // by id: new user name and new tokens
    OAuthToken a2 = store.saveToken(OAuthToken.builder().id(a.id()).userName("renamed@example.com")
        .accessToken("a-new").refreshToken("r-new").grantToken("g-new").build());
    assertThat(redis.keys(prefix)).isEqualTo(expectedKeys(a2, b));
    assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").build())).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().accessToken("a-a@example.com").build())).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().refreshToken("r-a@example.com").build())).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().grantToken("g-a@example.com").build())).isEmpty();
    assertThat(store.findToken(OAuthToken.builder().userName("renamed@example.com").build())).contains(a2);
    assertThat(store.findToken(OAuthToken.builder().accessToken("a-new").build())).contains(a2);

    // by refresh token (with the client id, so the access token rule does not apply): new access token only
    OAuthToken b2 = store.saveToken(
        OAuthToken.builder().refreshToken("r-b@example.com").clientId("c").accessToken("a-b2").build());
    assertThat(b2.id()).isEqualTo(b.id());
    assertThat(redis.keys(prefix)).isEqualTo(expectedKeys(a2, b2));

    // two records sharing an access token share the index key; deleting one keeps the other's entry
    OAuthToken c = store.saveToken(OAuthToken.builder().id("77").accessToken("a-b2").refreshToken("r-c").build());
    assertThat(redis.jedis.smembers(indexKey("access", "a-b2"))).containsExactlyInAnyOrder(b2.id(), "77");
    assertThat(store.deleteToken(b2.id())).isTrue();
    assertThat(redis.keys(prefix)).isEqualTo(expectedKeys(a2, c));
    assertThat(redis.jedis.smembers(indexKey("access", "a-b2"))).containsExactly("77");

    store.deleteTokens();
    assertThat(redis.keys(prefix)).as("only the id counter stays, so ids are never reused")
        .containsExactly("{" + prefix + "}:seq");
  }

  @Test
  void entriesAreOneHashPerKindInTheStoresSlotAndTheTokenScriptsLeaveThem() throws Exception {
    EntryTable entries = store.capability(EntryTable.class).orElseThrow();
    String hostile = "x\r\n*3\r\n$3\r\nDEL\r\n {other}:seq 🙂";
    entries.put("api-key", "k1", "{\"hash\":\"h1\"}");
    entries.put("api-key", "{" + prefix + "}:token:1", hostile);
    entries.put("audit.log", "k1", "");
    assertThat(redis.keys(prefix)).containsExactlyInAnyOrder("{" + prefix + "}:entry:api-key",
        "{" + prefix + "}:entry:audit.log");
    assertThat(redis.jedis.hgetAll("{" + prefix + "}:entry:api-key")).containsExactly(
        Map.entry("k1", "{\"hash\":\"h1\"}"), Map.entry("{" + prefix + "}:token:1", hostile));
    assertThat(redis.keys(prefix).stream().map(JedisClusterCRC16::getSlot).collect(Collectors.toSet()))
        .containsExactly(JedisClusterCRC16.getSlot("{" + prefix + "}"));

    OAuthToken a = store.saveToken(token("a@example.com"));
    Set<String> withToken = expectedKeys(a);
    withToken.add("{" + prefix + "}:entry:api-key");
    withToken.add("{" + prefix + "}:entry:audit.log");
    assertThat(redis.keys(prefix)).isEqualTo(withToken);
    assertThat(store.getTokens()).containsExactly(a);
    store.deleteTokens();
    assertThat(redis.keys(prefix)).containsExactlyInAnyOrder("{" + prefix + "}:seq",
        "{" + prefix + "}:entry:api-key", "{" + prefix + "}:entry:audit.log");

    assertThat(entries.remove("audit.log", "k1")).isTrue();
    assertThat(redis.keys(prefix)).as("the last entry of a kind takes its hash along")
        .doesNotContain("{" + prefix + "}:entry:audit.log");
  }

  @Test
  void largeStoresAreReadAndDeletedInPages() {
    int n = 2_500; // more than two pages of 1,000
    for (int i = 0; i < n; i++) {
      store.saveToken(OAuthToken.builder().userName("p" + i + "@example.com").refreshToken("r" + i).build());
    }
    List<OAuthToken> all = store.getTokens();
    assertThat(all).hasSize(n);
    assertThat(all.stream().map(t -> Long.parseLong(t.id())).collect(Collectors.toList()))
        .isSorted().doesNotHaveDuplicates();
    store.deleteTokens();
    assertThat(store.getTokens()).isEmpty();
    assertThat(redis.keys(prefix)).containsExactly("{" + prefix + "}:seq");
  }

  @Test
  void everyKeyOfAStoreIsInOneClusterSlot() {
    for (int i = 0; i < 20; i++) {
      store.saveToken(token("user" + i + "@example.com"));
    }
    Set<String> keys = redis.keys(prefix);
    assertThat(keys).hasSizeGreaterThan(80);
    Set<Integer> slots = keys.stream().map(JedisClusterCRC16::getSlot).collect(Collectors.toSet());
    assertThat(slots).containsExactly(JedisClusterCRC16.getSlot("{" + prefix + "}"));
  }

  @Test
  void twoPrefixesDoNotInterfereAndDeleteTokensLeavesTheOtherPrefix() throws Exception {
    String otherPrefix = RedisTestServer.freshPrefix();
    try (RedisTokenStore other = RedisTokenStore.open(RedisTestServer.storeUri(otherPrefix))) {
      OAuthToken mine = store.saveToken(token("same@example.com"));
      OAuthToken theirs = other.saveToken(token("same@example.com"));
      assertThat(theirs.id()).as("each prefix has its own ids").isEqualTo(mine.id());
      OAuthToken updated = other.saveToken(token("same@example.com").toBuilder().accessToken("other-access").build());
      assertThat(store.findTokenById(mine.id())).contains(mine);
      assertThat(store.findToken(OAuthToken.builder().accessToken("other-access").build())).isEmpty();

      store.deleteTokens();
      assertThat(store.getTokens()).isEmpty();
      assertThat(other.getTokens()).containsExactly(updated);
      assertThat(other.findToken(OAuthToken.builder().userName("same@example.com").build())).contains(updated);
      assertThat(redis.keys(otherPrefix)).isNotEmpty();
    } finally {
      RedisKeys.drop(otherPrefix);
    }
  }

  @Test
  void hostileValuesNeverAppearInKeyNames() throws Exception {
    String[] hostile = {"a:b:c", "{other}:token:1", "}{", "with space", "new\nline", "x".repeat(10_000), "*", "?[]"};
    Set<OAuthToken> saved = new HashSet<>();
    for (String v : hostile) {
      saved.add(store.saveToken(OAuthToken.builder().userName(v).refreshToken(v).accessToken(v + "-a")
          .grantToken(v + "-g").build()));
    }
    Set<String> keys = redis.keys(prefix);
    assertThat(keys).isEqualTo(expectedKeys(saved.toArray(new OAuthToken[0])));
    for (String k : keys) {
      assertThat(k).startsWith("{" + prefix + "}:").hasSizeLessThan(prefix.length() + 60);
      assertThat(k.substring(prefix.length() + 3)).matches("(seq|ids|token:[0-9]+|(user|access|grant|refresh):[0-9a-f]{40})");
    }
    for (String v : hostile) {
      OAuthToken found = store.findToken(OAuthToken.builder().userName(v).build()).orElseThrow();
      assertThat(found.refreshToken()).isEqualTo(v);
      assertThat(store.findToken(OAuthToken.builder().grantToken(v + "-g").build())).contains(found);
    }
  }

  @Test
  void hostileIdsStayInsideTheStore() {
    OAuthToken saved = store.saveToken(OAuthToken.builder().id("{x}:token:1\n*").refreshToken("r").build());
    assertThat(store.findTokenById("{x}:token:1\n*")).contains(saved);
    assertThat(redis.keys(prefix)).contains("{" + prefix + "}:token:{x}:token:1\n*");
    assertThat(JedisClusterCRC16.getSlot("{" + prefix + "}:token:{x}:token:1\n*"))
        .isEqualTo(JedisClusterCRC16.getSlot("{" + prefix + "}"));
  }

  @Test
  void idsAreNeverReusedWhenTheCounterIsMissingOrBehind() {
    OAuthToken one = store.saveToken(token("a@example.com"));
    OAuthToken two = store.saveToken(token("b@example.com"));
    // tokens written by an earlier version, by hand, or the counter lost: the store must step past used ids
    redis.jedis.del("{" + prefix + "}:seq");
    OAuthToken three = store.saveToken(token("c@example.com"));
    assertThat(three.id()).isNotIn(one.id(), two.id());
    OAuthToken given = store.saveToken(token("d@example.com").toBuilder().id("1000").build());
    OAuthToken next = store.saveToken(token("e@example.com"));
    assertThat(Long.parseLong(next.id())).as("a given numeric id moves the counter past it")
        .isGreaterThan(Long.parseLong(given.id()));
    assertThat(store.getTokens()).hasSize(5);
  }

  @Test
  void toStringAndErrorsShowNoPassword() {
    try (RedisTokenStore s = RedisTokenStore.open("redis://user:hunter2@127.0.0.1:1/0?prefix=p")) {
      assertThat(s.toString()).doesNotContain("hunter2").contains("***");
    }
  }
}
