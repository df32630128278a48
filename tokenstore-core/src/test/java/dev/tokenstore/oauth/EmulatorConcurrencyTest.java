package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_ID;
import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_SECRET;
import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static dev.tokenstore.oauth.EmulatorFixture.eventually;
import static dev.tokenstore.oauth.EmulatorFixture.id;
import static dev.tokenstore.oauth.EmulatorFixture.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.memory.MemoryTokenStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One refresh per expiry against the emulator: 64 threads on one expired token make one token-endpoint call,
 * and a caller whose token is still valid never waits for a refresh in flight.
 */
class EmulatorConcurrencyTest {
  private EmulatorFixture fx;
  private final MemoryTokenStore store = MemoryTokenStore.create();
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    fx = new EmulatorFixture(b -> b);
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    fx.assertNoSecretInEvents();
    fx.close();
  }

  @ParameterizedTest(name = "rotating refresh tokens: {0}")
  @ValueSource(booleans = {false, true})
  void sixtyFourThreadsOnOneExpiredTokenMakeOneRefreshAndAllGetTheSameNewToken(boolean rotate) throws Exception {
    if (rotate) {
      fx.close();
      fx = new EmulatorFixture(b -> b.rotateRefreshTokens(true));
    }
    OAuthToken seeded = fx.exchangeNew(fx.manager(store).build(), USER);
    fx.clock.advance(Duration.ofHours(1).plusSeconds(1)); // expired by the emulator's clock and the manager's
    assertThat(fx.zoho.isAccessTokenValid(seeded.accessToken())).isFalse();
    fx.zoho.resetCounters();
    // Keep the one refresh in the server for a while so that the other threads find it in flight. Whether they
    // join it or come after it, each must get its token without another call.
    fx.zoho.faults().delay(Duration.ofMillis(500));
    TokenManager m = fx.manager(store).build();

    int threads = 64;
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<OAuthToken>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      // different partial tokens for the same record: by user, by id, by refresh token (not with rotation: a
      // caller that names the old refresh token after the rotation is not this test's subject)
      OAuthToken partial = switch (i % (rotate ? 2 : 3)) {
        case 0 -> user(USER);
        case 1 -> id(seeded.id());
        default -> OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
            .refreshToken(seeded.refreshToken()).build();
      };
      results.add(pool.submit(() -> {
        ready.countDown();
        assertThat(go.await(20, TimeUnit.SECONDS)).isTrue();
        return m.getToken(partial);
      }));
    }
    assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
    go.countDown();

    Set<String> accessTokens = ConcurrentHashMap.newKeySet();
    for (Future<OAuthToken> f : results) {
      OAuthToken t = f.get(60, TimeUnit.SECONDS);
      assertThat(t.id()).isEqualTo(seeded.id());
      accessTokens.add(t.accessToken());
    }

    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
    assertThat(accessTokens).hasSize(1).doesNotContain(seeded.accessToken());
    String fresh = accessTokens.iterator().next();
    assertThat(fx.zoho.isAccessTokenValid(fresh)).isTrue();
    assertThat(store.findTokenById(seeded.id()).orElseThrow().accessToken()).isEqualTo(fresh);
    assertThat(m.metrics().refreshes()).isEqualTo(1);
    assertThat(m.metrics().tokenEndpointCalls()).isEqualTo(1);
    assertThat(fx.count(TokenEvent.Type.REFRESH_STARTED)).isEqualTo(1);
    OAuthToken stored = store.findTokenById(seeded.id()).orElseThrow();
    assertThat(fx.zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();
    assertThat(stored.refreshToken().equals(seeded.refreshToken())).isEqualTo(!rotate);
  }

  @Test
  void concurrentRequestsRejectedWithInvalidTokenShareOneRefresh() throws Exception {
    TokenManager m = fx.manager(store).requestTimeout(Duration.ofSeconds(60)).build(); // outlasts the hold below
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.revokeElsewhere(t.accessToken()); // every request with it now gets 401 INVALID_TOKEN
    fx.zoho.resetCounters();
    // The refresh is held until every thread has sent its first request (with the revoked token), so that none
    // gets the new token at once; a fixed delay (it was 700 ms) let a late thread on a busy machine do just that.
    CountDownLatch release = new CountDownLatch(1);
    fx.zoho.faults().hold(release);

    int threads = 16;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        assertThat(go.await(20, TimeUnit.SECONDS)).isTrue();
        return m.send(user(USER), HttpRequest.newBuilder(URI.create(fx.zoho.currentUserUrl()))
            .timeout(EmulatorFixture.WAIT).GET(), HttpResponse.BodyHandlers.ofString());
      }));
    }
    go.countDown();
    try {
      // counted on arrival; while the refresh is held no new token exists, so each of these is answered 401
      assertThat(eventually(() -> fx.zoho.userInfoCalls() == threads)).as("every first request sent").isTrue();
    } finally {
      release.countDown();
    }
    for (Future<HttpResponse<String>> f : results) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(2L * threads); // each: one 401, one retry
    assertThat(fx.zoho.isAccessTokenValid(store.findTokenById(t.id()).orElseThrow().accessToken())).isTrue();
  }

  @Test
  void aCallerWithAValidTokenIsNotBlockedByASlowRefresh() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    // the held refresh must not time out in the client while the other callers are checked on a slow machine
    TokenManager m = fx.manager(store).requestTimeout(Duration.ofMinutes(5)).listener(e -> {
      fx.events.add(e);
      if (e.type() == TokenEvent.Type.REFRESH_STARTED) {
        started.countDown();
      }
    }).build();
    OAuthToken ada = fx.exchangeNew(m, USER);                 // expires at T0 + 60 min
    fx.clock.advance(Duration.ofMinutes(30));
    OAuthToken bob = fx.exchangeNew(m, "bob@example.com");    // expires at T0 + 90 min
    fx.clock.advance(Duration.ofMinutes(27)); // ada's token is inside the five-minute window, still valid
    fx.zoho.resetCounters();
    // The refresh of ada's token is held in the server until the emulator is closed (a 20 s delay could end
    // before the checks below on a loaded machine, and the leader would be done).
    fx.zoho.faults().hold(new CountDownLatch(1));

    Future<OAuthToken> leader = pool.submit(() -> m.getToken(user(USER)));
    assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(eventually(() -> fx.zoho.refreshCalls() == 1)).isTrue(); // the request is in the server now

    // These return the current tokens: had they waited for the refresh, ada's would be the new one.
    Future<OAuthToken> sameToken = pool.submit(() -> m.getToken(user(USER)));
    Future<OAuthToken> byId = pool.submit(() -> m.getToken(id(ada.id())));
    Future<OAuthToken> otherToken = pool.submit(() -> m.getToken(user("bob@example.com")));
    assertThat(sameToken.get(20, TimeUnit.SECONDS)).isEqualTo(ada);
    assertThat(byId.get(20, TimeUnit.SECONDS)).isEqualTo(ada);
    assertThat(otherToken.get(20, TimeUnit.SECONDS)).isEqualTo(bob);
    assertThat(fx.zoho.faults().pending()).isZero();
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(leader.isDone()).as("the refresh is still held in the server").isFalse();

    // Closing the emulator drops the held call; the leader's early refresh fails and it keeps the valid token.
    fx.zoho.close();
    assertThat(leader.get(20, TimeUnit.SECONDS)).isEqualTo(ada);
    assertThat(store.findTokenById(ada.id())).contains(ada);
    assertThat(fx.count(TokenEvent.Type.REFRESH_FAILED)).isEqualTo(1);
  }
}
