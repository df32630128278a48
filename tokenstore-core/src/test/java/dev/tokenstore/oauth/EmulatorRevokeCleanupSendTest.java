package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_ID;
import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_SECRET;
import static dev.tokenstore.oauth.EmulatorFixture.REDIRECT;
import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static dev.tokenstore.oauth.EmulatorFixture.assertNoSecret;
import static dev.tokenstore.oauth.EmulatorFixture.id;
import static dev.tokenstore.oauth.EmulatorFixture.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.emulator.Endpoint;
import dev.tokenstore.memory.MemoryTokenStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Revocation, the cleanup policies and authenticated requests, against the emulator. */
class EmulatorRevokeCleanupSendTest {
  private EmulatorFixture fx;
  private final MemoryTokenStore store = MemoryTokenStore.create();

  @BeforeEach
  void setUp() {
    fx = new EmulatorFixture(b -> b);
  }

  @AfterEach
  void tearDown() {
    fx.assertNoSecretInEvents();
    fx.close();
  }

  // -------------------------------------------------------------------------------------------- revoke

  @Test
  void revokeInvalidatesTheTokenAtTheServerDeletesTheRecordAndIsIdempotent() {
    TokenManager m = fx.manager(store).fillUserName(true).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    OAuthToken other = fx.exchangeNew(m, "bob@example.com");

    assertThat(m.revoke(user(USER))).isTrue();

    assertThat(fx.zoho.revokeCalls()).isEqualTo(1);
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isFalse();
    assertThat(fx.zoho.isAccessTokenValid(t.accessToken())).isFalse();
    assertThat(store.getTokens()).containsExactly(other);
    assertThat(fx.zoho.isRefreshTokenValid(other.refreshToken())).isTrue();
    assertThat(m.metrics().revokes()).isEqualTo(1);
    StoreException gone = catchThrowableOfType(StoreException.class, () -> m.getToken(user(USER)));
    assertThat(gone.code()).isEqualTo(ErrorCode.TOKEN_NOT_FOUND);

    // Again: nothing left to revoke, no call, no error.
    assertThat(m.revoke(user(USER))).isFalse();
    assertThat(m.revoke(id(t.id()))).isFalse();
    assertThat(fx.zoho.revokeCalls()).isEqualTo(1);
    // Again by the refresh token itself: the server no longer knows it, which counts as revoked.
    m.revoke(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(t.refreshToken()).build());
    assertThat(fx.zoho.revokeCalls()).isEqualTo(2);
    assertThat(store.getTokens()).containsExactly(other);
  }

  @Test
  void revokeThatTheServerFailsKeepsTheRecordForALaterTry() {
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.zoho.faults(Endpoint.REVOKE).status(503, "busy", 3);

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.revoke(id(t.id())));

    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertNoSecret(e, t);
    assertThat(fx.zoho.revokeCalls()).isEqualTo(3);
    assertThat(store.findTokenById(t.id())).contains(t);
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isTrue();

    assertThat(m.revoke(id(t.id()))).isTrue();
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isFalse();
    assertThat(store.getTokens()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- cleanup

  @Test
  void cleanupRevokesAndDeletesIdleTokensAndDeletesGrantsNeverExchanged() {
    TokenManager m = fx.manager(store).build();
    OAuthToken idle = fx.exchangeNew(m, USER);
    OAuthToken used = fx.exchangeNew(m, "bob@example.com");
    OAuthToken pending = store.saveToken(OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .redirectUrl(REDIRECT).grantToken(fx.zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL"))
        .build());
    fx.clock.advance(Duration.ofHours(1));
    OAuthToken usedNow = m.getToken(id(used.id())); // bob's token is used (refreshed): it expires an hour later
    fx.clock.advance(Duration.ofHours(2).plusMinutes(1)); // ada's expired 2 h 1 min ago, bob's 1 h 1 min ago
    fx.zoho.resetCounters();

    CleanupReport first = m.cleanup(CleanupPolicy.idleFor(Duration.ofHours(2)));

    assertThat(first.revoked()).containsExactly(idle.id());
    assertThat(first.deleted()).containsExactly(idle.id());
    assertThat(first.stamped()).containsExactly(pending.id());
    assertThat(first.failed()).isEmpty();
    assertThat(fx.zoho.revokeCalls()).isEqualTo(1);
    assertThat(fx.zoho.isRefreshTokenValid(idle.refreshToken())).isFalse();
    assertThat(fx.zoho.isRefreshTokenValid(used.refreshToken())).isTrue();
    assertThat(store.findTokenById(idle.id())).isEmpty();
    assertThat(store.findTokenById(used.id())).contains(usedNow);
    assertThat(store.findTokenById(pending.id()).orElseThrow().expiresAt())
        .isEqualTo(fx.clock.instant().plus(Duration.ofMinutes(10)));

    fx.clock.advance(Duration.ofMinutes(10));
    CleanupReport second = m.cleanup(CleanupPolicy.idleFor(Duration.ofHours(2)));

    assertThat(second.deleted()).containsExactly(pending.id());
    assertThat(second.revoked()).isEmpty();
    assertThat(store.getTokens()).containsExactly(usedNow);
    assertThat(fx.zoho.revokeCalls()).isEqualTo(1);
    assertThat(fx.zoho.tokenCalls()).isZero();
    assertThat(m.getToken(id(used.id())).accessToken()).isNotEqualTo(usedNow.accessToken()); // still works
  }

  @Test
  void cleanupWithoutRevokingDeletesOnlyLocallyAndAFailedRevokeKeepsTheRecord() {
    TokenManager m = fx.manager(store).build();
    OAuthToken a = fx.exchangeNew(m, USER);
    fx.clock.advance(Duration.ofHours(3));

    fx.zoho.faults(Endpoint.REVOKE).status(500, "down", 3);
    CleanupReport failed = m.cleanup(CleanupPolicy.idleFor(Duration.ofHours(1)));
    assertThat(failed.failed()).containsExactly(a.id());
    assertThat(failed.deleted()).isEmpty();
    assertThat(store.findTokenById(a.id())).contains(a);

    CleanupReport local = m.cleanup(new CleanupPolicy(Duration.ofHours(1), false, null));
    assertThat(local.deleted()).containsExactly(a.id());
    assertThat(local.revoked()).isEmpty();
    assertThat(fx.zoho.revokeCalls()).isEqualTo(3);
    assertThat(fx.zoho.isRefreshTokenValid(a.refreshToken())).isTrue(); // deleted here only, as asked
    assertThat(store.getTokens()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------- send

  private HttpRequest.Builder currentUser() {
    return HttpRequest.newBuilder(URI.create(fx.zoho.currentUserUrl())).timeout(EmulatorFixture.WAIT).GET();
  }

  @Test
  void sendAddsTheZohoHeaderAndOnInvalidTokenRefreshesOnceAndRetriesOnce() throws Exception {
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.zoho.resetCounters();

    HttpResponse<String> ok = m.send(user(USER).toBuilder().id(t.id()).userName(null).build(), currentUser(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains(USER);
    assertThat(ok.request().headers().firstValue("Authorization")).contains("Zoho-oauthtoken " + t.accessToken());
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);
    assertThat(fx.zoho.tokenCalls()).isZero();

    // The access token dies at the server while the manager still thinks it valid.
    fx.revokeElsewhere(t.accessToken());
    HttpResponse<String> retried = m.send(id(t.id()), currentUser(), HttpResponse.BodyHandlers.ofString());

    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(retried.body()).contains(USER);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(3); // the 401, then the retry
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    OAuthToken now = store.findTokenById(t.id()).orElseThrow();
    assertThat(now.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(retried.request().headers().firstValue("Authorization"))
        .contains("Zoho-oauthtoken " + now.accessToken());
  }

  /**
   * The access token expires at the server while the record says it is valid for a day (e.g. a record imported
   * from a file with a wrong expiry_time): the 401 leads to one refresh and one retry.
   */
  @Test
  void sendAfterTheServerExpiredTheTokenRefreshesOnceAndRetriesOnce() throws Exception {
    OAuthToken t = fx.exchangeNew(fx.manager(store).build(), USER);
    store.saveToken(OAuthToken.builder().id(t.id()).expiresAt(t.expiresAt().plus(Duration.ofDays(1))).build());
    TokenManager m = fx.manager(store).build();
    fx.clock.advance(Duration.ofHours(1).plusMinutes(1));
    assertThat(fx.zoho.isAccessTokenValid(t.accessToken())).isFalse();
    assertThat(m.getToken(id(t.id())).accessToken()).isEqualTo(t.accessToken()); // the manager believes the record
    fx.zoho.resetCounters();

    HttpResponse<String> r = m.send(user(USER), currentUser(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(2);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    OAuthToken now = store.findTokenById(t.id()).orElseThrow();
    assertThat(now.expiresAt()).isEqualTo(fx.clock.instant().plus(Duration.ofHours(1)));
    assertThat(r.request().headers().firstValue("Authorization")).contains("Zoho-oauthtoken " + now.accessToken());
  }

  @Test
  void sendWhoseRefreshIsRefusedRefreshesOnlyOnceAndSaysReauthorize() throws Exception {
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.zoho.resetCounters();
    fx.revokeElsewhere(t.refreshToken()); // kills the refresh token and its access tokens

    OAuthException e = catchThrowableOfType(OAuthException.class,
        () -> m.send(id(t.id()), currentUser(), HttpResponse.BodyHandlers.ofString()));

    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertNoSecret(e, t);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(store.findTokenById(t.id())).contains(t);
  }

  /**
   * While the server's throttling hint runs, a 401 must not be "retried" with the very token the API has just
   * rejected: the caller gets THROTTLED, and the server is not asked again.
   */
  @Test
  void sendWhileThrottledSaysThrottledAndDoesNotRetryTheRejectedToken() throws Exception {
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.revokeElsewhere(t.accessToken());
    fx.zoho.resetCounters();
    fx.zoho.faults().throttle();

    OAuthException first = catchThrowableOfType(OAuthException.class,
        () -> m.send(id(t.id()), currentUser(), HttpResponse.BodyHandlers.ofString()));
    assertThat(first.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);

    OAuthException second = catchThrowableOfType(OAuthException.class,
        () -> m.send(id(t.id()), currentUser(), HttpResponse.BodyHandlers.ofString()));
    assertThat(second.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(second.retryAfter()).isPresent();
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(2); // the 401 only: no retry with the rejected token
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(store.findTokenById(t.id())).contains(t);

    fx.clock.advance(first.retryAfter().orElseThrow());
    HttpResponse<String> ok = m.send(id(t.id()), currentUser(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
  }
}
