package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.server.internal.Api;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service in this JVM on loopback, over a memory store, against the accounts emulator: every route. */
class TokenServerTest {
  private static final String CLIENT_ID = "1000.SERVE";
  private static final String CLIENT_SECRET = "client-SECRET-value";
  private static final String ADA = "ada@example.com";

  private AccountsEmulator zoho;
  private TokenStore store;
  private TokenServer server;
  private Http http;
  private String readKey;
  private String adminKey;

  @BeforeEach
  void start() {
    zoho = AccountsEmulator.builder().user(ADA).tokenSuffix("-SECRET").registerClient(CLIENT_ID, CLIENT_SECRET)
        .start();
    store = TokenStores.open("memory:");
    server = TokenServer.builder(store)
        .port(0)
        .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain()))
        .defaultClient(CLIENT_ID, CLIENT_SECRET)
        .failedAttemptsPerMinute(5)
        .shutdownGrace(Duration.ofSeconds(10))
        .build()
        .start();
    http = new Http(server.uri());
    readKey = server.apiKeys().create("reader", ApiScope.READ).key();
    adminKey = server.apiKeys().create("admin", ApiScope.ADMIN).key();
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
    zoho.close();
  }

  private OAuthToken seed(String user, Instant expiry) {
    IssuedTokens issued = zoho.issueTokens(CLIENT_ID, "ZohoCRM.modules.ALL", user);
    return store.saveToken(OAuthToken.builder().userName(user).clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(issued.refreshToken()).accessToken(issued.accessToken()).expiresAt(expiry)
        .apiDomain(zoho.apiDomain()).build());
  }

  private static void assertProblem(Http.Reply r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("code").asText()).isEqualTo(code);
    assertThat(p.get("type").asText()).startsWith("urn:tokenstore:problem:");
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(p.get("detail").asText()).isNotBlank().doesNotContain("SECRET");
  }

  @Test
  void aValidTokenIsHandedOutWithoutACallToTheServerAndWithoutItsSecrets() {
    OAuthToken t = seed(ADA, Instant.now().plus(Duration.ofHours(1)));
    Http.Reply r = http.post("/api/v1/access-token", readKey, "{\"user_name\":\"" + ADA + "\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode j = r.json();
    assertThat(j.get("access_token").asText()).isEqualTo(t.accessToken());
    assertThat(j.get("id").asText()).isEqualTo(t.id());
    assertThat(j.get("user_name").asText()).isEqualTo(ADA);
    assertThat(j.get("api_domain").asText()).isEqualTo(zoho.apiDomain());
    assertThat(j.get("authorization_scheme").asText()).isEqualTo("Zoho-oauthtoken");
    assertThat(Instant.parse(j.get("expires_at").asText())).isEqualTo(t.expiresAt());
    assertThat(j.get("expires_in").asLong()).isBetween(3500L, 3600L);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    assertThat(r.body()).doesNotContain(t.refreshToken()).doesNotContain(CLIENT_SECRET);
    assertThat(zoho.refreshCalls()).isZero();

    Http.Reply byId = http.post("/api/v1/access-token", readKey, "{\"id\":\"" + t.id() + "\"}");
    assertThat(byId.json().get("access_token").asText()).isEqualTo(t.accessToken());
  }

  @Test
  void sixtyFourConcurrentRequestsAtExpiryMakeOneRefresh() throws Exception {
    OAuthToken t = seed(ADA, Instant.now().minusSeconds(5));
    int n = 64;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Http.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        replies.add(pool.submit(() -> {
          go.await();
          return http.post("/api/v1/access-token", readKey, "{\"user_name\":\"" + ADA + "\"}");
        }));
      }
      go.countDown();
      Set<String> tokens = new HashSet<>();
      for (Future<Http.Reply> f : replies) {
        Http.Reply r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        tokens.add(r.json().get("access_token").asText());
      }
      assertThat(zoho.refreshCalls()).isEqualTo(1);
      assertThat(tokens).hasSize(1).doesNotContain(t.accessToken());
      assertThat(zoho.isAccessTokenValid(tokens.iterator().next())).isTrue();
      assertThat(http.get("/metrics", null).body())
          .contains("tokenstore_refreshes_total 1.0")
          .contains("tokenstore_http_requests_seconds_bucket")
          .contains("route=\"POST /api/v1/access-token\"");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void apiKeysAndScopes() {
    seed(ADA, Instant.now().plus(Duration.ofHours(1)));
    String body = "{\"user_name\":\"" + ADA + "\"}";
    Http.Reply none = http.post("/api/v1/access-token", null, body);
    assertProblem(none, 401, "UNAUTHORIZED");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertProblem(http.post("/api/v1/access-token", "tsk_wrong", body), 401, "UNAUTHORIZED");
    assertProblem(http.delete("/api/v1/tokens/1", readKey), 403, "FORBIDDEN");
    assertProblem(http.post("/api/v1/tokens", readKey, "{\"refresh_token\":\"x\"}"), 403, "FORBIDDEN");
    assertThat(http.get("/api/v1/tokens", adminKey).status()).isEqualTo(200);

    // a revoked key stops working at once on this instance
    assertThat(server.apiKeys().revoke("reader")).isTrue();
    assertProblem(http.post("/api/v1/access-token", readKey, body), 401, "UNAUTHORIZED");
    // a key made elsewhere (another instance, the CLI) works at once
    String other = ApiKeys.of(store).create("elsewhere", ApiScope.READ).key();
    assertThat(http.post("/api/v1/access-token", other, body).status()).isEqualTo(200);
  }

  @Test
  void wrongKeysFromOneAddressAreThrottledButAValidKeyIsNeverLockedOut() {
    seed(ADA, Instant.now().plus(Duration.ofHours(1)));
    String body = "{\"user_name\":\"" + ADA + "\"}";
    for (int i = 0; i < 5; i++) {
      assertProblem(http.post("/api/v1/access-token", "tsk_guess" + i, body), 401, "UNAUTHORIZED");
    }
    Http.Reply limited = http.post("/api/v1/access-token", "tsk_guess5", body);
    assertProblem(limited, 429, "TOO_MANY_ATTEMPTS");
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
    // another client behind the same address (a proxy, a NAT) with its valid key
    assertThat(http.post("/api/v1/access-token", readKey, body).status()).isEqualTo(200);
  }

  @Test
  void aDamagedKeyEntryDoesNotRefuseTheOtherKeys() {
    store.capability(dev.tokenstore.spi.EntryTable.class).orElseThrow().put(ApiKeys.KIND, "damaged", "{not json");
    assertThat(http.get("/api/v1/tokens", readKey).status()).isEqualTo(200);
    assertThat(http.get("/readyz", null).status()).isEqualTo(200);
  }

  @Test
  void aSlowAccountsServerDoesNotStarveHealthChecks() throws Exception {
    server.close();
    server = TokenServer.builder(store).port(0).maxConcurrentRequests(2)
        .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain())).build().start();
    http = new Http(server.uri());
    seed(ADA, Instant.now().minusSeconds(5));
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    zoho.faults().hold(arrived, release);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      String body = "{\"user_name\":\"" + ADA + "\"}";
      Future<Http.Reply> first = pool.submit(() -> http.post("/api/v1/access-token", readKey, body));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();
      Future<Http.Reply> second = pool.submit(() -> http.post("/api/v1/access-token", readKey, body));
      // both permits are taken once the second has joined the first's refresh: wait for that (no timing), then a
      // third API request is shed (sending it earlier could take the second's permit and shed the second instead)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!http.get("/metrics", null).body().contains("tokenstore_single_flight_joins_total 1.0")) {
        assertThat(System.nanoTime()).as("the second request never joined the refresh in flight").isLessThan(deadline);
        assertThat(second.isDone()).as("the second request ended before the refresh did").isFalse();
        Thread.sleep(20);
      }
      Http.Reply third = http.get("/api/v1/tokens", readKey);
      assertProblem(third, 503, "BUSY");
      assertThat(third.header("Retry-After")).isEqualTo("1");
      assertThat(http.get("/healthz", null).status()).isEqualTo(200);
      assertThat(http.get("/metrics", null).status()).isEqualTo(200);
      release.countDown();
      assertThat(first.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(second.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(zoho.refreshCalls()).isEqualTo(1);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void everyErrorIsAProblemWithItsStatus() {
    String ada = "{\"user_name\":\"" + ADA + "\"}";
    assertProblem(http.post("/api/v1/access-token", readKey, ada), 404, "TOKEN_NOT_FOUND");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\": "), 400, "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"username\":\"x\"}"), 400, "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\":5}"), 400, "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, "[]"), 400, "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\":\"a\",\"user_name\":\"b\"}"), 400,
        "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, ada + " {}"), 400, "INVALID_ARGUMENT");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\":\"\",\"id\":\"1\"}"), 400,
        "INVALID_ARGUMENT");
    assertProblem(http.send(http.request("/api/v1/access-token", readKey).header("Content-Type", "application/jsonx")
        .POST(HttpRequest.BodyPublishers.ofString(ada))), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertProblem(http.send(http.request("/api/v1/access-token", readKey).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(ada))), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\":\"" + "x".repeat(70_000) + "\"}"),
        413, "PAYLOAD_TOO_LARGE");
    assertProblem(http.get("/api/v1/access-token", readKey), 405, "METHOD_NOT_ALLOWED");
    assertProblem(http.get("/api/v2/nothing", readKey), 404, "NOT_FOUND");
    assertProblem(http.get("/api/v1/tokens/77", readKey), 404, "TOKEN_NOT_FOUND");
    assertProblem(http.get("/api/v1/tokens?limit=0", readKey), 400, "INVALID_ARGUMENT");

    // re-authorization: no refresh token and an expired access token
    store.saveToken(OAuthToken.builder().userName("bob@example.com").clientId(CLIENT_ID).accessToken("old")
        .expiresAt(Instant.now().minusSeconds(60)).apiDomain(zoho.apiDomain()).build());
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"user_name\":\"bob@example.com\"}"), 409,
        "REAUTHORIZATION_REQUIRED");

    // the accounts server throttles: 429 with its hint
    seed(ADA, Instant.now().minusSeconds(5));
    zoho.faults().tooManyRequests(Duration.ofSeconds(7));
    Http.Reply throttled = http.post("/api/v1/access-token", readKey, ada);
    assertProblem(throttled, 429, "THROTTLED");
    assertThat(throttled.header("Retry-After")).isEqualTo("7");
  }

  @Test
  void aStoreThatFailsIsA503AndNotReady() {
    seed(ADA, Instant.now().plus(Duration.ofHours(1)));
    store.close();
    assertProblem(http.get("/api/v1/tokens/1", readKey), 503, "STORE_CLOSED");
    assertProblem(http.get("/readyz", null), 503, "STORE_CLOSED");
    assertThat(http.get("/healthz", null).status()).isEqualTo(200);
  }

  @Test
  void listGetStoreAndDelete() {
    for (int i = 0; i < 5; i++) {
      seed("user" + i + "@example.com", Instant.now().plus(Duration.ofHours(1)));
    }
    Http.Reply page1 = http.get("/api/v1/tokens?limit=2", readKey);
    assertThat(page1.status()).isEqualTo(200);
    JsonNode items = page1.json().get("items");
    assertThat(items).hasSize(2);
    assertThat(items.get(0).get("id").asText()).isEqualTo("1");
    assertThat(items.get(0).get("status").asText()).isEqualTo("valid");
    assertThat(items.get(0).get("has_refresh_token").asBoolean()).isTrue();
    for (Iterator<String> it = items.get(0).fieldNames(); it.hasNext(); ) {
      assertThat(it.next()).doesNotContain("secret").isNotIn("access_token", "refresh_token", "grant_token");
    }
    String next = page1.json().get("next_after").asText();
    JsonNode rest = http.get("/api/v1/tokens?limit=10&after=" + next, readKey).json();
    assertThat(rest.get("items")).hasSize(3);
    assertThat(rest.get("next_after").isNull()).isTrue();
    assertThat(http.get("/api/v1/tokens?user_name=user3@example.com", readKey).json().get("items")).hasSize(1);

    // store from a grant code, then from a refresh token (admin)
    String code = zoho.issueSelfClientGrantCode(CLIENT_ID, "ZohoCRM.modules.ALL", ADA);
    Http.Reply stored = http.post("/api/v1/tokens", adminKey, "{\"grant_token\":\"" + code + "\"}");
    assertThat(stored.status()).as(stored.body()).isEqualTo(201);
    String id = stored.json().get("id").asText();
    assertThat(stored.header("Location")).isEqualTo("/api/v1/tokens/" + id);
    assertThat(stored.body()).doesNotContain("SECRET");
    assertThat(store.findTokenById(id).orElseThrow().userName()).isEqualTo(ADA);
    String rt = zoho.issueTokens(CLIENT_ID, "ZohoCRM.modules.ALL", "imported@example.com").refreshToken();
    Http.Reply imported = http.post("/api/v1/tokens", adminKey,
        "{\"refresh_token\":\"" + rt + "\",\"user_name\":\"imported@example.com\"}");
    assertThat(imported.status()).as(imported.body()).isEqualTo(201);
    assertThat(imported.json().get("user_name").asText()).isEqualTo("imported@example.com");

    // delete: revokes at the server, then deletes; revoke=false only deletes
    OAuthToken ada = store.findTokenById(id).orElseThrow();
    Http.Reply deleted = http.delete("/api/v1/tokens/" + id, adminKey);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
    assertThat(deleted.json().get("revoked").asBoolean()).isTrue();
    assertThat(zoho.isRefreshTokenValid(ada.refreshToken())).isFalse();
    assertThat(store.findTokenById(id)).isEmpty();
    OAuthToken user0 = store.findTokenById("1").orElseThrow();
    Http.Reply onlyDeleted = http.delete("/api/v1/tokens/1?revoke=false", adminKey);
    assertThat(onlyDeleted.json().get("revoked").asBoolean()).isFalse();
    assertThat(store.findTokenById("1")).isEmpty();
    assertThat(zoho.isRefreshTokenValid(user0.refreshToken())).isTrue();
    assertProblem(http.post("/api/v1/access-token", readKey, "{\"id\":\"1\"}"), 404, "TOKEN_NOT_FOUND");
  }

  @Test
  void aTokenDeletedWithoutRevokeIsNotHandedOutAgainByThisInstance() {
    OAuthToken t = seed(ADA, Instant.now().plus(Duration.ofHours(1)));
    String ada = "{\"user_name\":\"" + ADA + "\"}";
    assertThat(http.post("/api/v1/access-token", readKey, ada).status()).isEqualTo(200); // now held in memory
    assertThat(http.delete("/api/v1/tokens/" + t.id() + "?revoke=false", adminKey).status()).isEqualTo(200);
    assertProblem(http.post("/api/v1/access-token", readKey, ada), 404, "TOKEN_NOT_FOUND");
  }

  @Test
  void theOpenApiDocumentListsExactlyTheRoutes() {
    Http.Reply r = http.get("/api/v1/openapi.json", null);
    assertThat(r.status()).isEqualTo(200);
    JsonNode paths = r.json().get("paths");
    Set<String> documented = new HashSet<>();
    for (Iterator<String> p = paths.fieldNames(); p.hasNext(); ) {
      String path = p.next();
      for (Iterator<String> m = paths.get(path).fieldNames(); m.hasNext(); ) {
        String method = m.next();
        if (!method.equals("parameters")) {
          documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path);
        }
      }
    }
    Set<String> routes = new HashSet<>();
    for (Api.Route route : TestAccess.routes(server)) {
      routes.add(route.name());
    }
    assertThat(documented).isEqualTo(routes);
    assertThat(r.json().get("openapi").asText()).startsWith("3.1");
  }

  @Test
  void closeLetsARefreshUnderWayFinishAndRefusesNewRequests() throws Exception {
    seed(ADA, Instant.now().minusSeconds(5));
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    zoho.faults().hold(arrived, release);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Http.Reply> inFlight = pool.submit(() ->
          http.post("/api/v1/access-token", readKey, "{\"user_name\":\"" + ADA + "\"}"));
      assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();
      Future<?> closing = pool.submit(server::close);
      // wait until close() has begun draining: every request, a health check too, is then refused (sleeping
      // 200 ms instead let the next request in on a slow machine, where it joined the held refresh)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (http.get("/healthz", null).status() != 503) {
        assertThat(System.nanoTime()).as("close() never began draining").isLessThan(deadline);
        Thread.sleep(20);
      }
      Http.Reply refused = http.post("/api/v1/access-token", readKey, "{\"user_name\":\"" + ADA + "\"}");
      assertProblem(refused, 503, "SHUTTING_DOWN");
      assertThat(closing.isDone()).isFalse();
      release.countDown();
      Http.Reply finished = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(finished.status()).as(finished.body()).isEqualTo(200);
      closing.get(60, TimeUnit.SECONDS);
      assertThat(store.findToken(OAuthToken.builder().userName(ADA).build()).orElseThrow().accessToken())
          .isEqualTo(finished.json().get("access_token").asText());
    } finally {
      pool.shutdownNow();
    }
  }
}
