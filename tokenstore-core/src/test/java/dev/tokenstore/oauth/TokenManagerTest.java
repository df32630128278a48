package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.Faults;
import dev.tokenstore.emulator.IssuedTokens;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.memory.MemoryTokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token manager against the accounts emulator. Every code and token the emulator issues ends with
 * {@code -SECRET}, as do the client secret and the tokens the tests make up, so that {@link #tearDown} can check
 * that no error or event shows one.
 */
class TokenManagerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String CLIENT_ID = "1000.CLIENTID";
  private static final String CLIENT_SECRET = "cs-SECRET-0f9e8d7c6b5a";
  private static final String SCOPE = "ZohoCRM.modules.ALL";
  private static final String ADA = "ada@example.com";

  private AccountsEmulator zoho;
  private MemoryTokenStore store;
  private ManualClock clock;
  private final List<TokenEvent> events = new CopyOnWriteArrayList<>();
  private final FakeSleeper sleeper = new FakeSleeper();
  private final List<Throwable> seenErrors = new CopyOnWriteArrayList<>();
  private ExecutorService pool;

  @BeforeEach
  void setUp() throws Exception {
    store = MemoryTokenStore.create();
    clock = new ManualClock(T0);
    zoho = emulator(b -> b);
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() throws Exception {
    zoho.close();
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    // No secret in any error or event seen by any test.
    for (Throwable t : seenErrors) {
      assertNoSecret(t);
    }
    for (TokenEvent e : events) {
      assertThat(e.toString()).doesNotContain("SECRET");
      if (e.error() != null) {
        assertNoSecret(e.error());
      }
    }
  }

  /** An emulator on the test's clock, with ada as the consenting user and the test's client registered. */
  private AccountsEmulator emulator(UnaryOperator<AccountsEmulator.Builder> settings) {
    return settings.apply(AccountsEmulator.builder()
            .user(ADA)
            .clock(clock)
            .tokenSuffix("-SECRET")
            .registerClient(CLIENT_ID, CLIENT_SECRET))
        .start();
  }

  /** Replaces the emulator by one with other settings; only before the test has made any call. */
  private void restartEmulator(UnaryOperator<AccountsEmulator.Builder> settings) {
    zoho.close();
    zoho = emulator(settings);
  }

  private Environment environment() {
    return Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain());
  }

  /** A new single-use grant code of the emulator's user, as a self client gets it (no redirect URL). */
  private String grant() {
    return zoho.issueSelfClientGrantCode(CLIENT_ID, SCOPE, zoho.user());
  }

  /** A refresh token the emulator accepts from the test's client. */
  private String refreshToken() {
    return zoho.issueTokens(CLIENT_ID, SCOPE, ADA).refreshToken();
  }

  private TokenManager manager() {
    return manager(b -> {});
  }

  private TokenManager manager(Consumer<TokenManager.Builder> custom) {
    TokenManager.Builder b = TokenManager.builder()
        .store(store)
        .environment(environment())
        .clock(clock)
        // generous: a call held in the server (hold fault) must not time out while a loaded machine runs the
        // test's checks; the test of the timeout itself sets its own
        .requestTimeout(Duration.ofSeconds(60))
        .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5))
        .sleeper(sleeper) // retries wait without sleeping
        .listener(events::add);
    custom.accept(b);
    return b.build();
  }

  /**
   * A stored record with a refresh token and an access token the emulator issued to {@code user} (the access token
   * valid at the server), the record saying that the access token expires at {@code expiry}.
   */
  private OAuthToken seed(String user, Instant expiry) {
    IssuedTokens issued = zoho.issueTokens(CLIENT_ID, SCOPE, user);
    return store.saveToken(OAuthToken.builder()
        .userName(user)
        .clientId(CLIENT_ID)
        .clientSecret(CLIENT_SECRET)
        .refreshToken(issued.refreshToken())
        .accessToken(issued.accessToken())
        .expiresAt(expiry)
        .apiDomain(zoho.apiDomain())
        .build());
  }

  private <T extends Throwable> T seen(T t) {
    seenErrors.add(t);
    return t;
  }

  private static void assertNoSecret(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain("SECRET");
      assertThat(c.toString()).doesNotContain("SECRET");
    }
  }

  private static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).build();
  }

  // --------------------------------------------------------------------------------------------- flows

  @Test
  void grantTokenIsExchangedSavedAndFoundAgainWithoutAnotherCall() {
    TokenManager m = manager();
    String code = zoho.issueGrantCode(CLIENT_ID, "https://app.example.com/cb", SCOPE);
    OAuthToken partial = OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .grantToken(code).redirectUrl("https://app.example.com/cb").build();

    OAuthToken t = m.getToken(partial);

    assertThat(t.id()).isNotNull();
    assertThat(zoho.isAccessTokenValid(t.accessToken())).isTrue();
    assertThat(zoho.isRefreshTokenValid(t.refreshToken())).isTrue();
    assertThat(t.apiDomain()).isEqualTo(zoho.apiDomain());
    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(3600));
    assertThat(store.findTokenById(t.id())).contains(t);
    assertThat(m.getToken(partial)).isEqualTo(t);
    assertThat(m.getToken(OAuthToken.builder().id(t.id()).build())).isEqualTo(t);
    assertThat(zoho.exchangeCalls()).isEqualTo(1);
    assertThat(m.metrics().exchanges()).isEqualTo(1);
    assertThat(events).extracting(TokenEvent::type).contains(TokenEvent.Type.EXCHANGED);
  }

  @Test
  void codeIsExchangedAtTheAccountsServerTheRedirectNames() throws Exception {
    try (AccountsEmulator otherDc = emulator(b -> b)) {
      TokenManager home = manager();
      String code = otherDc.issueSelfClientGrantCode(CLIENT_ID, SCOPE, ADA); // issued by the other data centre
      TokenManager there = home.withEnvironment(home.environment().forAccountsServer(otherDc.baseUrl()));

      OAuthToken t = there.getToken(OAuthToken.builder().clientId(CLIENT_ID)
          .clientSecret(CLIENT_SECRET).grantToken(code).build());

      assertThat(otherDc.exchangeCalls()).isEqualTo(1);
      assertThat(zoho.tokenCalls()).isZero();
      assertThat(t.apiDomain()).isEqualTo(otherDc.apiDomain());
      assertThat(there.environment().tokenUrl()).hasToString(otherDc.baseUrl() + "/oauth/v2/token");
    }
  }

  @Test
  void usedGrantTokenIsReauthorizationRequiredAndNothingIsSaved() {
    TokenManager m = manager();
    OAuthToken partial = OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .grantToken("1000.never-issued-SECRET").build();

    OAuthException e = seen(catchThrowableOfType(OAuthException.class, () -> m.getToken(partial)));

    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertThat(e.serverError()).contains("invalid_code");
    assertThat(store.getTokens()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void expiresInInSecondsAndInTheOldMillisecondForm(boolean oldForm) {
    restartEmulator(b -> b.legacyExpiresInMillis(oldForm).accessTokenTtl(Duration.ofSeconds(1800)));
    OAuthToken t = manager().getToken(OAuthToken.builder().clientId(CLIENT_ID)
        .clientSecret(CLIENT_SECRET).refreshToken(refreshToken()).build());
    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(1800));
  }

  @Test
  void refreshTokenFlowWithoutRecordRefreshesAndStoresANewRecord() {
    TokenManager m = manager();
    String rt = refreshToken();
    OAuthToken partial = OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(rt).build();

    OAuthToken t = m.getToken(partial);

    assertThat(t.refreshToken()).isEqualTo(rt); // absent in the reply: kept
    assertThat(t.apiDomain()).isEqualTo(zoho.apiDomain());
    assertThat(store.getTokens()).containsExactly(t);
    assertThat(m.getToken(partial)).isEqualTo(t);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void accessTokenOnlyIsHandedBackAsItIs() {
    OAuthToken partial = OAuthToken.builder().accessToken("1000.foreign-SECRET").build();
    assertThat(manager().getToken(partial)).isEqualTo(partial);
    assertThat(zoho.tokenCalls()).isZero();
  }

  @Test
  void idOrUserWithoutRecordIsTokenNotFound() {
    TokenManager m = manager();
    assertThatThrownBy(() -> m.getToken(OAuthToken.builder().id("7").build()))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.TOKEN_NOT_FOUND));
    assertThatThrownBy(() -> m.getToken(user("nobody@example.com")))
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.TOKEN_NOT_FOUND));
    assertThatThrownBy(() -> m.getToken(OAuthToken.builder().clientId("x").build()))
        .satisfies(e -> assertThat(((TokenstoreException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void validTokenComesFromMemoryWithoutReadingTheStore() {
    seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager m = manager();
    OAuthToken first = m.getToken(user("ada@example.com"));
    long reads = m.metrics().storeReads();

    for (int i = 0; i < 1000; i++) {
      assertThat(m.getToken(user("ada@example.com"))).isSameAs(first);
    }

    assertThat(m.metrics().storeReads()).isEqualTo(reads);
    assertThat(zoho.tokenCalls()).isZero();
  }

  @Test
  void refreshesInsideTheWindowAndNotBefore() {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofMinutes(10)));
    TokenManager m = manager(b -> b.refreshWindow(Duration.ofMinutes(5)));

    assertThat(m.getToken(user("ada@example.com"))).isEqualTo(seeded);
    clock.advance(Duration.ofMinutes(4));
    assertThat(m.getToken(user("ada@example.com"))).isEqualTo(seeded);
    assertThat(zoho.refreshCalls()).isZero();

    clock.advance(Duration.ofMinutes(2)); // 4 minutes left: inside the window
    OAuthToken refreshed = m.getToken(user("ada@example.com"));

    assertThat(zoho.refreshCalls()).isEqualTo(1);
    assertThat(refreshed.accessToken()).isNotEqualTo(seeded.accessToken());
    assertThat(refreshed.refreshToken()).isEqualTo(seeded.refreshToken());
    assertThat(refreshed.expiresAt()).isEqualTo(clock.instant().plusSeconds(3600));
    assertThat(store.findTokenById(seeded.id())).contains(refreshed);
  }

  // --------------------------------------------------------------------- short-lived tokens (issue 10)

  /** Exchanges a new grant code with {@code m} (default settings unless the test says otherwise). */
  private OAuthToken exchanged(TokenManager m) {
    return m.getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(grant())
        .build());
  }

  private static OAuthToken byId(OAuthToken t) {
    return OAuthToken.builder().id(t.id()).build();
  }

  @Test
  void aThirtySecondTokenIsNotRefreshedWhileMoreThanHalfOfItsLifeRemains() {
    restartEmulator(b -> b.accessTokenTtl(Duration.ofSeconds(30)));
    TokenManager m = manager(); // the default five-minute window, longer than the token's whole life
    OAuthToken t = exchanged(m);
    assertThat(t.issuedAt()).as("the issue time comes from the reply").isEqualTo(T0);
    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(30));

    assertThat(m.getToken(byId(t))).isEqualTo(t);
    assertThat(m.accessToken(byId(t))).isEqualTo(t.accessToken());
    clock.advance(Duration.ofSeconds(14));
    assertThat(m.getToken(byId(t))).isEqualTo(t);
    assertThat(zoho.refreshCalls()).as("no refresh while more than half of the lifetime remains").isZero();

    clock.advance(Duration.ofSeconds(2)); // 14 s of 30 left: past half of its life
    OAuthToken refreshed = m.getToken(byId(t));
    assertThat(zoho.refreshCalls()).isEqualTo(1);
    assertThat(refreshed.issuedAt()).isEqualTo(T0.plusSeconds(16));
    assertThat(refreshed.expiresAt()).isEqualTo(T0.plusSeconds(46));
    assertThat(m.getToken(byId(t))).isEqualTo(refreshed);
    assertThat(zoho.refreshCalls()).as("the new token is not refreshed again either").isEqualTo(1);
  }

  @Test
  void aFreshManagerOverTheSameStoreReadsTheLifetimeAndDoesNotRefresh() {
    restartEmulator(b -> b.accessTokenTtl(Duration.ofSeconds(30)));
    OAuthToken t = exchanged(manager());
    assertThat(store.findTokenById(t.id()).orElseThrow().issuedAt()).as("the store keeps the issue time")
        .isEqualTo(T0);
    clock.advance(Duration.ofSeconds(5));

    // A new process (e.g. each `tokenstore access-token`): a new manager with nothing in memory.
    for (int i = 0; i < 3; i++) {
      TokenManager next = manager();
      assertThat(next.accessToken(byId(t))).isEqualTo(t.accessToken());
    }
    assertThat(zoho.refreshCalls()).isZero();
  }

  @Test
  void theConfiguredWindowStaysTheUpperBoundForLongerTokens() {
    restartEmulator(b -> b.accessTokenTtl(Duration.ofMinutes(10)));
    TokenManager m = manager(); // default window: five minutes, half of this token's life
    OAuthToken t = exchanged(m);

    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(m.getToken(byId(t))).isEqualTo(t);
    assertThat(zoho.refreshCalls()).isZero();

    clock.advance(Duration.ofSeconds(1)); // five minutes left
    assertThat(m.getToken(byId(t)).accessToken()).isNotEqualTo(t.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void aShorterConfiguredWindowIsKeptForShortTokens() {
    restartEmulator(b -> b.accessTokenTtl(Duration.ofSeconds(30)));
    TokenManager m = manager(b -> b.refreshWindow(Duration.ofSeconds(5)));
    OAuthToken t = exchanged(m);

    clock.advance(Duration.ofSeconds(24)); // 6 s left: outside the configured five seconds
    assertThat(m.getToken(byId(t))).isEqualTo(t);
    assertThat(zoho.refreshCalls()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(m.getToken(byId(t)).accessToken()).isNotEqualTo(t.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void aTokenWithoutIssueTimeUsesTheConfiguredWindow() {
    OAuthToken seeded = seed(ADA, T0.plusSeconds(30)); // as Zoho's SDKs write it: no issue time
    TokenManager m = manager();
    assertThat(m.getToken(user(ADA)).accessToken()).isNotEqualTo(seeded.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aShortTokenSavedByTheLeaseHolderIsUsedAndNotRefreshedAgain(boolean holderKnowsIssueTime) throws Exception {
    OAuthToken seeded = seed(ADA, T0.minusSeconds(1));
    dev.tokenstore.spi.RefreshCoordinator coordinator = dev.tokenstore.spi.RefreshCoordinator.newInJvm();
    dev.tokenstore.spi.RefreshCoordinator.RefreshLease held = coordinator.tryAcquire(
        new dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity(environment().name(), seeded.id()),
        Duration.ofMinutes(1)).orElseThrow();
    CountDownLatch waitingForLease = new CountDownLatch(1);
    TokenManager waiter = manager(b -> b.sleeper(Sleeper.SYSTEM).refreshCoordinator(coordinator).listener(e -> {
      events.add(e);
      if (e.type() == TokenEvent.Type.LEASE_WAIT) {
        waitingForLease.countDown();
      }
    }));
    Future<OAuthToken> waiting = pool.submit(() -> waiter.getToken(user(ADA)));
    assertThat(waitingForLease.await(60, TimeUnit.SECONDS)).isTrue();
    // The holder (another process) stores a 30-second token, with or without its issue time (an older version
    // or another program), then releases the lease.
    OAuthToken byHolder = store.saveToken(OAuthToken.builder().id(seeded.id()).accessToken("1000.at-holder-SECRET")
        .expiresAt(T0.plusSeconds(30)).issuedAt(holderKnowsIssueTime ? T0 : null).build());
    held.close();

    assertThat(waiting.get(60, TimeUnit.SECONDS)).isEqualTo(byHolder);
    assertThat(zoho.tokenCalls()).as("the waiter uses the holder's token").isZero();
    assertThat(waiter.metrics().leaseWaits()).isEqualTo(1);
  }

  @Test
  void explicitRefreshCallsTheServerEvenForAValidToken() {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager fresh = manager();
    OAuthToken t = fresh.refresh(user("ada@example.com"));
    assertThat(t.accessToken()).isNotEqualTo(seeded.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(1);
    OAuthToken again = fresh.refresh(OAuthToken.builder().id(seeded.id()).build());
    assertThat(again.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(2);
  }

  @Test
  void rotatedRefreshTokenReplacesTheOldOne() {
    restartEmulator(b -> b.rotateRefreshTokens(true));
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    OAuthToken t = manager().getToken(user("ada@example.com"));
    assertThat(t.refreshToken()).isNotEqualTo(seeded.refreshToken());
    assertThat(zoho.isRefreshTokenValid(t.refreshToken())).isTrue();
    assertThat(store.findTokenById(seeded.id()).orElseThrow().refreshToken()).isEqualTo(t.refreshToken());
  }

  // ------------------------------------------------------------------------------------ single flight

  @Test
  void sixtyFourThreadsAtExpiryMakeExactlyOneTokenEndpointCall() throws Exception {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    AtomicInteger joins = new AtomicInteger();
    TokenManager m = manager(b -> b.listener(e -> {
      events.add(e);
      if (e.type() == TokenEvent.Type.REFRESH_JOINED) {
        joins.incrementAndGet();
      }
    }));
    CountDownLatch gate = new CountDownLatch(1);
    zoho.faults().hold(gate); // the leader's token call waits in the server until the gate opens
    int threads = 64;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<OAuthToken>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      // different partial tokens for the same record: by user, by id, by refresh token
      OAuthToken partial = switch (i % 3) {
        case 0 -> user("ada@example.com");
        case 1 -> OAuthToken.builder().id(seeded.id()).build();
        default -> OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
            .refreshToken(seeded.refreshToken()).build();
      };
      results.add(pool.submit(() -> {
        start.await();
        return m.getToken(partial);
      }));
    }
    start.countDown();
    // The leader is held in the server; wait (bounded, generously: 64 threads on a loaded machine can take more
    // than the 10 s this once allowed) until every other caller has joined its flight.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (joins.get() < threads - 1 && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(joins.get()).isEqualTo(threads - 1);
    gate.countDown();

    Set<String> accessTokens = ConcurrentHashMap.newKeySet();
    for (Future<OAuthToken> f : results) {
      accessTokens.add(f.get(60, TimeUnit.SECONDS).accessToken());
    }
    assertThat(zoho.tokenCalls()).isEqualTo(1);
    assertThat(accessTokens).hasSize(1).doesNotContain(seeded.accessToken());
    assertThat(m.metrics().joins()).isEqualTo(threads - 1);
  }

  @Test
  void callersWithAValidTokenDoNotWaitForASlowRefresh() throws Exception {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofMinutes(3))); // inside the 5-minute window
    OAuthToken other = seed("bob@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager m = manager();
    assertThat(m.getToken(user("bob@example.com"))).isEqualTo(other);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    zoho.faults().hold(entered, gate);

    Future<OAuthToken> leader = pool.submit(() -> m.getToken(user("ada@example.com")));
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue(); // the refresh is now held inside the server

    // While the gate is closed the refresh cannot finish, so these calls return only because they do not wait.
    Future<OAuthToken> sameToken = pool.submit(() -> m.getToken(user("ada@example.com")));
    Future<OAuthToken> otherToken = pool.submit(() -> m.getToken(user("bob@example.com")));
    assertThat(sameToken.get(60, TimeUnit.SECONDS)).isEqualTo(seeded);
    assertThat(otherToken.get(60, TimeUnit.SECONDS)).isEqualTo(other);
    assertThat(leader.isDone()).isFalse();
    assertThat(gate.getCount()).isEqualTo(1);

    gate.countDown();
    assertThat(leader.get(60, TimeUnit.SECONDS).accessToken()).isNotEqualTo(seeded.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void siblingManagerUsesTheTokenAnotherAlreadyRefreshed() {
    seed("ada@example.com", T0.minusSeconds(1));
    TokenManager first = manager();
    TokenManager second = manager();
    OAuthToken a = first.getToken(user("ada@example.com"));
    OAuthToken b = second.getToken(user("ada@example.com"));
    assertThat(b).isEqualTo(a);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void whileAnotherManagerHoldsTheLeaseTheTokenItSavesIsUsed() throws Exception {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    dev.tokenstore.spi.RefreshCoordinator coordinator = dev.tokenstore.spi.RefreshCoordinator.newInJvm();
    // "another process" holds the lease of this token
    dev.tokenstore.spi.RefreshCoordinator.RefreshLease held = coordinator.tryAcquire(
        new dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity(environment().name(), seeded.id()),
        Duration.ofMinutes(1)).orElseThrow();

    CountDownLatch waitingForLease = new CountDownLatch(1);
    // the holder saves and releases in real time (this thread), so the waiter polls in real time too
    TokenManager m2 = manager(b -> b.sleeper(Sleeper.SYSTEM).refreshCoordinator(coordinator).listener(e -> {
      events.add(e);
      if (e.type() == TokenEvent.Type.LEASE_WAIT) {
        waitingForLease.countDown();
      }
    }));
    Future<OAuthToken> waiting = pool.submit(() -> m2.getToken(user("ada@example.com")));
    assertThat(waitingForLease.await(60, TimeUnit.SECONDS)).isTrue();
    // the holder refreshes and saves, then releases
    OAuthToken byHolder = store.saveToken(OAuthToken.builder().id(seeded.id()).accessToken("1000.at-holder-SECRET")
        .expiresAt(T0.plusSeconds(3600)).build());
    held.close();

    assertThat(waiting.get(60, TimeUnit.SECONDS)).isEqualTo(byHolder);
    assertThat(zoho.tokenCalls()).isZero();
    assertThat(m2.metrics().leaseWaits()).isEqualTo(1);
  }

  @Test
  void aWaiterWakesWhenTheLeaseIsReleasedWithoutWaitingForItsPoll() throws Exception {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    dev.tokenstore.spi.RefreshCoordinator coordinator = dev.tokenstore.spi.RefreshCoordinator.newInJvm();
    dev.tokenstore.spi.RefreshCoordinator.RefreshLease held = coordinator.tryAcquire(
        new dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity(environment().name(), seeded.id()),
        Duration.ofMinutes(5)).orElseThrow();
    // real time, but a poll interval of ten minutes: only the release can wake the waiter within the bound below
    Sleeper longPoll = new Sleeper() {
      @Override
      public void sleep(Duration d) throws InterruptedException {
        Sleeper.SYSTEM.sleep(d);
      }

      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public boolean awaitRelease(dev.tokenstore.spi.RefreshCoordinator c,
          dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity identity, Duration max) throws InterruptedException {
        return c.awaitRelease(identity, Duration.ofMinutes(10));
      }
    };
    CountDownLatch waitingForLease = new CountDownLatch(1);
    TokenManager m2 = manager(b -> b.sleeper(longPoll).refreshCoordinator(coordinator).listener(e -> {
      if (e.type() == TokenEvent.Type.LEASE_WAIT) {
        waitingForLease.countDown();
      }
    }));
    Future<OAuthToken> waiting = pool.submit(() -> m2.getToken(user("ada@example.com")));
    assertThat(waitingForLease.await(60, TimeUnit.SECONDS)).isTrue();
    OAuthToken byHolder = store.saveToken(OAuthToken.builder().id(seeded.id()).accessToken("1000.at-holder-SECRET")
        .expiresAt(T0.plusSeconds(3600)).build());
    held.close();

    assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(byHolder);
    assertThat(zoho.tokenCalls()).isZero();
  }

  @Test
  void aLeaseThatIsNeverReleasedIsWaitedForAtMostLeaseTimePlusRequestTime() {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    dev.tokenstore.spi.RefreshCoordinator coordinator = dev.tokenstore.spi.RefreshCoordinator.newInJvm();
    // "another process" holds the lease and never refreshes nor releases it
    coordinator.tryAcquire(
        new dev.tokenstore.spi.RefreshCoordinator.RefreshIdentity(environment().name(), seeded.id()),
        Duration.ofHours(1)).orElseThrow();
    TokenManager m = manager(b -> b.refreshCoordinator(coordinator).leaseTime(Duration.ofSeconds(60))
        .requestTimeout(Duration.ofSeconds(10)));

    TokenstoreException e =
        seen(catchThrowableOfType(TokenstoreException.class, () -> m.getToken(user("ada@example.com"))));

    assertThat(e).isExactlyInstanceOf(TokenstoreException.class);
    assertThat(e.code()).isEqualTo(ErrorCode.LEASE_WAIT_TIMEOUT);
    assertThat(e.getMessage()).contains("holds the refresh lease");
    assertThat(m.metrics().leaseWaits()).isEqualTo(1);
    assertThat(zoho.tokenCalls()).isZero();
    // polled (2 ms doubling to 20 ms) until the lease time (60 s) and the request timeout (10 s) had passed,
    // without sleeping
    assertThat(sleeper.waits.subList(0, 5)).containsExactly(Duration.ofMillis(2), Duration.ofMillis(4),
        Duration.ofMillis(8), Duration.ofMillis(16), Duration.ofMillis(20));
    assertThat(sleeper.waits).allMatch(d -> d.compareTo(Duration.ofMillis(20)) <= 0);
    Duration waited = sleeper.waits.stream().reduce(Duration.ZERO, Duration::plus);
    assertThat(waited).isBetween(Duration.ofSeconds(70), Duration.ofSeconds(70).plusMillis(40));
    assertThat(store.findTokenById(seeded.id())).contains(seeded);
  }

  // ------------------------------------------------------------------------------------------ failures

  @Test
  void failedRefreshLeavesTheStoredRecordUnchanged() {
    restartEmulator(b -> b.rotateRefreshTokens(true));
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    List<OAuthToken> before = store.getTokens();
    Map<String, Consumer<Faults>> faults = new LinkedHashMap<>();
    faults.put("500 html", q -> q.json(500, "<html>oops</html>"));
    faults.put("truncated", q -> q.json(200, "{\"access_token\": \"1000.half-SECRET"));
    faults.put("not json", q -> q.json(200, "not json at all"));
    faults.put("dropped", Faults::dropConnection);
    faults.put("Access Denied", q -> q.json(200, "{\"error\":\"Access Denied\",\"error_description\":\"You have "
        + "made too many requests continuously. Please try again after some time.\",\"status\":\"failure\"}"));
    faults.put("invalid_client", q -> q.json(200, "{\"error\":\"invalid_client\"}"));
    faults.put("400 invalid_code", q -> q.json(400, "{\"error\":\"invalid_code\"}"));
    faults.put("no access token", q -> q.json(200, "{\"expires_in\":3600}"));
    for (Map.Entry<String, Consumer<Faults>> fault : faults.entrySet()) {
      String f = fault.getKey();
      TokenManager m = manager(b -> b.retryPolicy(RetryPolicy.NONE));
      fault.getValue().accept(zoho.faults());
      TokenstoreException e = seen(catchThrowableOfType(TokenstoreException.class,
          () -> m.getToken(user("ada@example.com"))));
      assertThat(e).as("fault %s", f).isNotNull();
      assertThat(store.getTokens()).as("after fault %s", f).isEqualTo(before);
      assertThat(store.getTokens().get(0).toString()).isEqualTo(before.get(0).toString());
    }
    assertThat(zoho.faults().pending()).isZero();
    assertThat(store.findTokenById(seeded.id())).contains(seeded);
  }

  @Test
  void transientFailuresAreRetriedABoundedNumberOfTimes() {
    seed("ada@example.com", T0.minusSeconds(1));
    zoho.faults().json(503, "busy", 10);
    TokenManager m = manager(b -> b.retryPolicy(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(4), 1)));

    OAuthException e = seen(catchThrowableOfType(OAuthException.class, () -> m.getToken(user("ada@example.com"))));

    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(e.getMessage()).contains("4 attempts");
    assertThat(zoho.tokenCalls()).isEqualTo(4);
    assertThat(m.metrics().retries()).isEqualTo(3);
    assertThat(events).filteredOn(ev -> ev.type() == TokenEvent.Type.RETRY).hasSize(3);
  }

  @Test
  void retriesWaitTheBackoffOfThePolicyThroughTheSleeper() {
    seed("ada@example.com", T0.minusSeconds(1));
    zoho.faults().json(503, "busy", 3);
    // no jitter: the waits are exactly 1 s, 2 s and 4 s (capped), yet the test does not sleep
    TokenManager m = manager(b -> b.retryPolicy(new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(4), 0)));

    OAuthToken t = m.getToken(user("ada@example.com"));

    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(3600));
    assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(events).filteredOn(ev -> ev.type() == TokenEvent.Type.RETRY).extracting(TokenEvent::delay)
        .containsExactlyElementsOf(sleeper.waits);
  }

  @Test
  void transientFailuresThenSuccess() {
    seed("ada@example.com", T0.minusSeconds(1));
    zoho.faults().json(502, "bad gateway").dropConnection();
    OAuthToken t = manager().getToken(user("ada@example.com"));
    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(3600));
    assertThat(zoho.tokenCalls()).isEqualTo(3);
  }

  @Test
  void slowServerTimesOutAndIsRetried() {
    seed("ada@example.com", T0.minusSeconds(1));
    // The first call is held until the emulator closes, so it always times out; the retry is served at once and
    // must answer within the same timeout, which is why that is seconds, not the 300 ms it once was (a loaded
    // machine could take longer than that for a normal call, and retry again).
    zoho.faults().hold(new CountDownLatch(1));
    TokenManager m = manager(b -> b.requestTimeout(Duration.ofSeconds(5)));
    OAuthToken t = m.getToken(user("ada@example.com"));
    assertThat(t.expiresAt()).isEqualTo(T0.plusSeconds(3600));
    assertThat(m.metrics().retries()).isEqualTo(1);
  }

  @Test
  void throttlingIsTypedWithARetryHintAndNotRepeatedBeforeIt() {
    seed("ada@example.com", T0.minusSeconds(1));
    zoho.faults().tooManyRequests(Duration.ofSeconds(7));
    TokenManager m = manager();

    OAuthException e = seen(catchThrowableOfType(OAuthException.class, () -> m.getToken(user("ada@example.com"))));
    assertThat(e.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(zoho.tokenCalls()).isEqualTo(1);

    OAuthException again = seen(catchThrowableOfType(OAuthException.class,
        () -> m.getToken(user("ada@example.com"))));
    assertThat(again.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(zoho.tokenCalls()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(8));
    assertThat(m.getToken(user("ada@example.com")).accessToken()).isNotNull();
    assertThat(zoho.tokenCalls()).isEqualTo(2);
  }

  @Test
  void zohoAccessDeniedIsThrottled() {
    seed("ada@example.com", T0.minusSeconds(1));
    zoho.faults().json(200, "{\"error\":\"Access Denied\",\"error_description\":\"You have made "
        + "too many requests continuously. Please try again after some time.\",\"status\":\"failure\"}");
    OAuthException e = seen(catchThrowableOfType(OAuthException.class,
        () -> manager().getToken(user("ada@example.com"))));
    assertThat(e.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(e.retryAfter()).isPresent();
    assertThat(e.getMessage()).contains("too many requests");
  }

  @Test
  void invalidGrantAfterASiblingRotatedUsesTheSiblingsToken() {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    String siblingAccess = "1000.at-sibling-SECRET";
    zoho.faults().run(() -> {
      // as the refresh arrives: a worker elsewhere refreshed with rotation, saved, and the server now rejects the
      // old refresh token
      store.saveToken(OAuthToken.builder().id(seeded.id()).accessToken(siblingAccess)
          .refreshToken("1000.rt-sibling-SECRET").expiresAt(T0.plusSeconds(3600)).build());
      zoho.revokeToken(seeded.refreshToken());
    });
    TokenManager m = manager();

    OAuthToken t = m.getToken(user("ada@example.com"));

    assertThat(t.accessToken()).isEqualTo(siblingAccess);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
    assertThat(m.metrics().siblingTokensUsed()).isEqualTo(1);
    assertThat(m.metrics().refreshFailures()).isZero();
  }

  @Test
  void invalidGrantWithoutSiblingIsReauthorizationRequiredAndKeepsTheRecord() {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    assertThat(zoho.revokeToken(seeded.refreshToken())).isTrue();
    TokenManager m = manager();

    OAuthException e = seen(catchThrowableOfType(OAuthException.class, () -> m.getToken(user("ada@example.com"))));

    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertThat(e.getMessage()).contains("authorize the application again");
    assertThat(store.getTokens()).containsExactly(seeded);
    assertThat(events).extracting(TokenEvent::type).contains(TokenEvent.Type.REFRESH_FAILED);
  }

  @Test
  void failedEarlyRefreshStillHandsOutTheValidToken() {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofMinutes(2)));
    zoho.faults().json(500, "down");
    TokenManager m = manager(b -> b.retryPolicy(RetryPolicy.NONE));
    assertThat(m.getToken(user("ada@example.com"))).isEqualTo(seeded);
    assertThat(m.getToken(user("ada@example.com"))).isEqualTo(seeded); // quiet period: no second call
    assertThat(zoho.tokenCalls()).isEqualTo(1);
    assertThat(events).extracting(TokenEvent::type).contains(TokenEvent.Type.REFRESH_FAILED);
  }

  @Test
  void refreshedTokensSurviveAStoreThatCannotSaveThem() {
    restartEmulator(b -> b.rotateRefreshTokens(true));
    FlakyStore flaky = new FlakyStore();
    String oldRt = refreshToken();
    OAuthToken seeded = flaky.saveToken(OAuthToken.builder().userName("ada@example.com")
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken(oldRt)
        .accessToken("1000.at-old-SECRET").expiresAt(T0.minusSeconds(1)).build());
    TokenManager m = manager(b -> b.store(flaky));
    flaky.failSaves = true;

    OAuthToken refreshed = m.getToken(user("ada@example.com"));

    assertThat(refreshed.refreshToken()).isNotEqualTo(oldRt); // rotated: the old one is dead at the server
    assertThat(flaky.findTokenById(seeded.id())).contains(seeded); // nothing written, nothing lost
    assertThat(m.getToken(user("ada@example.com"))).isEqualTo(refreshed);

    flaky.failSaves = false;
    clock.advance(Duration.ofMinutes(56)); // inside the window: the pending result is saved, then refreshed
    OAuthToken next = m.getToken(user("ada@example.com"));

    assertThat(next.accessToken()).isNotEqualTo(refreshed.accessToken());
    assertThat(flaky.findTokenById(seeded.id())).contains(next);
    assertThat(m.metrics().refreshFailures()).isZero();
    assertThat(zoho.refreshCalls()).isEqualTo(2);
  }

  @Test
  void noSecretInMessagesOrDescriptions() {
    OAuthToken seeded = seed("ada@example.com", T0.minusSeconds(1));
    TokenManager m = manager(b -> b.retryPolicy(RetryPolicy.NONE));
    zoho.faults().json(400, "{\"error\":\"invalid_request\",\"error_description\":\"bad "
        + seeded.refreshToken() + " and " + CLIENT_SECRET + "\"}");
    seen(catchThrowableOfType(TokenstoreException.class, () -> m.getToken(user("ada@example.com"))));
    zoho.faults().json(200, "{\"error\":\"Access Denied\",\"error_description\":\"token "
        + seeded.refreshToken() + "\"}");
    seen(catchThrowableOfType(TokenstoreException.class, () -> m.getToken(user("ada@example.com"))));
    // unreachable server for the Zoho revoke URL, which carries the token in its query
    TokenManager dead = TokenManager.builder().store(store).clock(clock).retryPolicy(RetryPolicy.NONE)
        .environment(Environment.zohoAccounts("http://127.0.0.1:1", "http://127.0.0.1:1")).build();
    seen(catchThrowableOfType(TokenstoreException.class, () -> dead.revoke(user("ada@example.com"))));
    seen(catchThrowableOfType(TokenstoreException.class, () -> dead.getToken(user("ada@example.com"))));
    assertThat(seenErrors).hasSize(4);
    assertThat(m.toString()).doesNotContain("SECRET");
    assertThat(seeded.toString()).doesNotContain("SECRET");
    assertThat(environment().toString()).doesNotContain("SECRET");
    assertThat(m.metrics().toString()).doesNotContain("SECRET");
  }

  // ------------------------------------------------------------------------------------- revoke, cleanup

  @Test
  void revokeDeletesTheRecordAndIsIdempotent() {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager m = manager();
    m.getToken(user("ada@example.com"));

    assertThat(m.revoke(user("ada@example.com"))).isTrue();
    assertThat(zoho.revokeCalls()).isEqualTo(1);
    assertThat(zoho.isRefreshTokenValid(seeded.refreshToken())).isFalse();
    assertThat(store.getTokens()).isEmpty();

    assertThat(m.revoke(OAuthToken.builder().id(seeded.id()).build())).isFalse();
    assertThat(m.revoke(user("ada@example.com"))).isFalse();
    // a refresh token the server no longer knows (400 from Zoho) is fine too
    assertThat(m.revoke(OAuthToken.builder().clientId(CLIENT_ID).refreshToken(seeded.refreshToken())
        .build())).isTrue();
    assertThat(zoho.revokeCalls()).isEqualTo(2);
    assertThatThrownBy(() -> m.getToken(user("ada@example.com")))
        .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.TOKEN_NOT_FOUND));
  }

  @Test
  void revokeThatCannotReachTheServerKeepsTheRecord() {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    zoho.faults().clear();
    TokenManager dead = TokenManager.builder().store(store).clock(clock).retryPolicy(RetryPolicy.NONE)
        .environment(Environment.zohoAccounts("http://127.0.0.1:1", zoho.baseUrl())).build();
    OAuthException e = seen(catchThrowableOfType(OAuthException.class, () -> dead.revoke(user("ada@example.com"))));
    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(store.getTokens()).containsExactly(seeded);
  }

  @Test
  void cleanupRevokesIdleTokensAndDeletesGrantsNeverExchanged() {
    OAuthToken idle = seed("idle@example.com", T0.minus(Duration.ofDays(40)));
    OAuthToken active = seed("active@example.com", T0.minus(Duration.ofDays(1)));
    OAuthToken grant = store.saveToken(OAuthToken.builder().clientId(CLIENT_ID)
        .grantToken("1000.unused-grant-SECRET").build());
    TokenManager m = manager();
    CleanupPolicy policy = new CleanupPolicy(Duration.ofDays(30), true, Duration.ofMinutes(10));

    CleanupReport first = m.cleanup(policy);

    assertThat(first.revoked()).containsExactly(idle.id());
    assertThat(first.deleted()).containsExactly(idle.id());
    assertThat(first.stamped()).containsExactly(grant.id());
    assertThat(zoho.isRefreshTokenValid(idle.refreshToken())).isFalse();
    assertThat(zoho.isRefreshTokenValid(active.refreshToken())).isTrue();
    assertThat(store.findTokenById(grant.id()).orElseThrow().expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));

    clock.advance(Duration.ofMinutes(5));
    assertThat(m.cleanup(policy).deleted()).isEmpty();
    clock.advance(Duration.ofMinutes(6));
    CleanupReport third = m.cleanup(policy);
    assertThat(third.deleted()).containsExactly(grant.id());
    assertThat(store.getTokens()).extracting(OAuthToken::id).containsExactly(active.id());
  }

  // -------------------------------------------------------------------------------- send, user name

  @Test
  void sendAddsTheZohoHeaderAndRefreshesOnceOn401() throws Exception {
    OAuthToken seeded = seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager m = manager();
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(zoho.apiUrl("Leads"))).GET();

    HttpResponse<String> ok = m.send(user("ada@example.com"), req, HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(zoho.refreshCalls()).isZero();

    assertThat(zoho.revokeToken(seeded.accessToken())).isTrue(); // revoked at the server, "valid" by its expiry
    HttpResponse<String> retried = m.send(user("ada@example.com"), req, HttpResponse.BodyHandlers.ofString());
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
    assertThat(zoho.apiCalls()).isEqualTo(3);
    assertThat(store.findTokenById(seeded.id()).orElseThrow().accessToken()).isNotEqualTo(seeded.accessToken());
  }

  @Test
  void sendRetriesOnlyOnceAndReturnsTheSecond401() throws Exception {
    seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    zoho.rejectApiCalls(true);
    TokenManager m = manager();
    HttpResponse<String> r = m.send(user("ada@example.com"),
        HttpRequest.newBuilder(URI.create(zoho.apiUrl("Leads"))), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("INVALID_TOKEN");
    assertThat(zoho.apiCalls()).isEqualTo(2);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void other401IsReturnedWithItsBodyAndNoRefresh() throws Exception {
    seed("ada@example.com", T0.plus(Duration.ofHours(1)));
    TokenManager m = manager();
    HttpResponse<String> r = m.send(user("ada@example.com"),
        HttpRequest.newBuilder(URI.create(zoho.currentUserUrl())).header("X", "1"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("ada@example.com");
  }

  @Test
  void userNameIsFilledAfterExchange() {
    restartEmulator(b -> b.user("grace@example.com"));
    TokenManager m = manager(b -> b.fillUserName(true));
    OAuthToken t = m.getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .grantToken(grant()).build());
    assertThat(t.userName()).isEqualTo("grace@example.com");
    assertThat(zoho.userInfoCalls()).isEqualTo(1);
    assertThat(m.getToken(user("grace@example.com"))).isEqualTo(t);

    // authorizing again: the new tokens go into grace's record instead of a duplicate
    OAuthToken again = m.getToken(OAuthToken.builder().clientId(CLIENT_ID)
        .clientSecret(CLIENT_SECRET).grantToken(grant()).build());
    assertThat(again.id()).isEqualTo(t.id());
    assertThat(again.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(store.getTokens()).hasSize(1);
  }

  @Test
  void failedUserLookupKeepsTheToken() {
    TokenManager m = TokenManager.builder().store(store).clock(clock).fillUserName(true)
        .environment(Environment.zohoAccounts(zoho.baseUrl(), "http://127.0.0.1:1")).build();
    zoho.faults().json(200, "{\"access_token\":\"1000.at-x-SECRET\",\"refresh_token\":"
        + "\"1000.rt-x-SECRET\",\"expires_in\":3600}");
    OAuthToken t = m.getToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .grantToken(grant()).build());
    assertThat(t.userName()).isNull();
    assertThat(t.apiDomain()).isEqualTo("http://127.0.0.1:1");
    assertThat(store.getTokens()).containsExactly(t);
  }

  @Test
  void defaultHttpClientIsUsedWhenNoneIsGiven() {
    seed("ada@example.com", T0.minusSeconds(1));
    TokenManager m = TokenManager.builder().store(store).environment(environment()).clock(clock)
        .httpClient(HttpClient.newHttpClient()).build();
    assertThat(m.getToken(user("ada@example.com")).expiresAt()).isEqualTo(T0.plusSeconds(3600));
  }
}
