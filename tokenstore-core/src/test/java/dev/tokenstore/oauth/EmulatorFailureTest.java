package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static dev.tokenstore.oauth.EmulatorFixture.assertNoSecret;
import static dev.tokenstore.oauth.EmulatorFixture.id;
import static dev.tokenstore.oauth.EmulatorFixture.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.memory.MemoryTokenStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures lose nothing, against the emulator: its throttling limit, injected faults (5xx, malformed bodies,
 * dropped connections, slow replies), revoked refresh tokens, and a sibling worker that rotated the token.
 * Every failed refresh leaves the stored record equal to what it was.
 */
class EmulatorFailureTest {
  private EmulatorFixture fx;
  private final MemoryTokenStore store = MemoryTokenStore.create();

  private EmulatorFixture start(UnaryOperator<dev.tokenstore.emulator.AccountsEmulator.Builder> settings) {
    fx = new EmulatorFixture(settings);
    return fx;
  }

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.assertNoSecretInEvents();
      fx.close();
    }
  }

  /** A stored token whose access token has expired by the shared clock; counters reset. */
  private OAuthToken expired(TokenManager m) {
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.clock.advance(Duration.ofHours(1));
    fx.zoho.resetCounters();
    fx.events.clear();
    return t;
  }

  // ---------------------------------------------------------------------------------------- throttling

  @Test
  void theTenPerWindowLimitIsAThrottledErrorWithARetryHintAndTheRecordIsUnchanged() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    for (int i = 0; i < 10; i++) {
      m.refresh(id(t.id())); // an explicit refresh always asks the server
    }
    assertThat(fx.zoho.refreshCalls()).isEqualTo(10);
    OAuthToken before = store.findTokenById(t.id()).orElseThrow();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.refresh(id(t.id())));

    assertThat(e.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(e.retryAfter()).hasValueSatisfying(d -> assertThat(d).isPositive());
    assertThat(e.getMessage()).contains("Wait");
    assertNoSecret(e, before, t);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(11);
    assertThat(store.findTokenById(t.id())).contains(before);
    assertThat(m.metrics().throttled()).isEqualTo(1);
    assertThat(fx.count(TokenEvent.Type.THROTTLED)).isEqualTo(1);

    // The valid token is still handed out, and the server is not asked again before the hint has passed.
    assertThat(m.getToken(id(t.id()))).isEqualTo(before);
    OAuthException local = catchThrowableOfType(OAuthException.class, () -> m.refresh(id(t.id())));
    assertThat(local.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(local.retryAfter()).isPresent();
    assertThat(fx.zoho.refreshCalls()).isEqualTo(11);

    // Once the window (and the hint) has passed, refreshing works again.
    fx.clock.advance(Duration.ofMinutes(10).plus(e.retryAfter().orElseThrow()));
    OAuthToken later = m.refresh(id(t.id()));
    assertThat(later.accessToken()).isNotEqualTo(before.accessToken());
    assertThat(fx.zoho.refreshCalls()).isEqualTo(12);
  }

  @Test
  void throttlingOfAnExpiredTokenIsThrownAndNotRepeatedBeforeTheHint() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    OAuthToken before = store.findTokenById(t.id()).orElseThrow();
    fx.zoho.faults().throttle();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER)));
    assertThat(e.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(e.retryAfter()).isPresent();
    OAuthException again = catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER)));
    assertThat(again.code()).isEqualTo(ErrorCode.THROTTLED);

    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
    assertThat(store.findTokenById(t.id())).contains(before);
  }

  // -------------------------------------------------------------------------------------------- faults

  @Test
  void serverErrorsThenSuccessAreRetried() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    fx.zoho.faults().status(503, "busy", 1).status(500, "oops", 1);

    OAuthToken r = m.getToken(user(USER));

    assertThat(r.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(fx.zoho.isAccessTokenValid(r.accessToken())).isTrue();
    assertThat(fx.zoho.refreshCalls()).isEqualTo(3);
    assertThat(m.metrics().retries()).isEqualTo(2);
    assertThat(fx.count(TokenEvent.Type.RETRY)).isEqualTo(2);
    assertThat(fx.sleeper.waits).as("the backoffs, waited without sleeping").hasSize(2);
    assertThat(store.findTokenById(t.id())).contains(r);
  }

  @Test
  void serverErrorsAreRetriedABoundedNumberOfTimesAndChangeNothing() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    OAuthToken before = store.findTokenById(t.id()).orElseThrow();
    fx.zoho.faults().status(502, "bad gateway", 5);

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER)));

    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(e.getMessage()).contains("3 attempts");
    assertNoSecret(e, before);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(3); // the policy's three attempts, no more
    assertThat(fx.zoho.faults().pending()).isEqualTo(2);
    assertThat(store.findTokenById(t.id())).contains(before);
    assertThat(m.metrics().refreshFailures()).isEqualTo(1);

    fx.zoho.faults().clear();
    assertThat(m.getToken(user(USER)).accessToken()).isNotEqualTo(t.accessToken());
  }

  @Test
  void malformedBodyIsAProtocolErrorNotRetriedAndTheRecordIsUnchanged() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    OAuthToken before = store.findTokenById(t.id()).orElseThrow();
    fx.zoho.faults().malformedBody();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER)));

    assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    assertNoSecret(e, before);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    OAuthToken after = store.findTokenById(t.id()).orElseThrow();
    assertThat(after).isEqualTo(before);
    assertThat(after.toBuilder().build()).isEqualTo(t);
    assertThat(fx.count(TokenEvent.Type.REFRESH_FAILED)).isEqualTo(1);
  }

  @Test
  void droppedConnectionIsRetried() {
    start(b -> b);
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    fx.zoho.faults().dropConnection();

    OAuthToken r = m.getToken(user(USER));

    assertThat(r.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
    assertThat(m.metrics().retries()).isEqualTo(1);
    assertThat(fx.zoho.isAccessTokenValid(r.accessToken())).isTrue();
  }

  @Test
  void aReplyLaterThanTheRequestTimeoutIsRetried() {
    start(b -> b);
    TokenManager m = fx.manager(store).requestTimeout(Duration.ofMillis(500)).build();
    OAuthToken t = expired(m);
    fx.zoho.faults().delay(Duration.ofSeconds(20)); // held until the emulator is closed

    OAuthToken r = m.getToken(user(USER));

    assertThat(r.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
    assertThat(m.metrics().retries()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------- revoked, rotated

  @ParameterizedTest(name = "errors with HTTP 200: {0}")
  @ValueSource(booleans = {true, false})
  void revokedRefreshTokenIsReauthorizationRequiredAndTheRecordIsKept(boolean zohoErrors) throws Exception {
    start(b -> b.errorsWithHttp200(zohoErrors));
    TokenManager m = fx.manager(store).build();
    OAuthToken t = expired(m);
    fx.revokeElsewhere(t.refreshToken()); // the user removed the app's access on the accounts site
    OAuthToken before = store.findTokenById(t.id()).orElseThrow();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER)));

    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertThat(e.serverError()).contains(zohoErrors ? "invalid_code" : "invalid_grant");
    assertThat(e.getMessage()).contains("authorize");
    assertNoSecret(e, before);
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(store.findTokenById(t.id())).contains(before);
    assertThat(fx.count(TokenEvent.Type.REFRESH_FAILED)).isEqualTo(1);
  }

  /**
   * Another worker rotates the refresh token right after this manager has read the record and before its call
   * reaches the server (the listener of REFRESH_STARTED runs exactly there): the manager's call fails with
   * {@code invalid_code}, it rereads the store and uses what the sibling saved, with no error.
   */
  @ParameterizedTest(name = "sibling saved a fresh access token too: {0}")
  @ValueSource(booleans = {true, false})
  void aSiblingThatRotatedTheTokenIsFoundOnRereadWithNoError(boolean siblingSavedAccess) {
    start(b -> b.rotateRefreshTokens(true));
    OAuthToken t = expired(fx.manager(store).build());
    AtomicBoolean rotated = new AtomicBoolean();
    String[] sibling = new String[2];
    TokenManager m = fx.manager(store).listener(e -> {
      fx.events.add(e);
      if (e.type() == TokenEvent.Type.REFRESH_STARTED && rotated.compareAndSet(false, true)) {
        try {
          Map<String, String> reply = fx.refreshElsewhere(t.refreshToken());
          sibling[0] = reply.get("access_token");
          sibling[1] = reply.get("refresh_token");
          OAuthToken.Builder save = OAuthToken.builder().id(t.id()).refreshToken(sibling[1]);
          if (siblingSavedAccess) {
            save.accessToken(sibling[0])
                .expiresAt(fx.clock.instant().plusSeconds(Long.parseLong(reply.get("expires_in"))));
          }
          store.saveToken(save.build());
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }
    }).build();

    OAuthToken r = m.getToken(user(USER));

    assertThat(rotated).isTrue();
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isFalse();
    assertThat(fx.count(TokenEvent.Type.REFRESH_FAILED)).isZero();
    if (siblingSavedAccess) {
      // The manager's own call failed; the sibling's tokens are used as they are.
      assertThat(r.accessToken()).isEqualTo(sibling[0]);
      assertThat(r.refreshToken()).isEqualTo(sibling[1]);
      assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
      assertThat(fx.count(TokenEvent.Type.SIBLING_TOKEN_USED)).isEqualTo(1);
    } else {
      // Only the rotated refresh token was saved: the manager refreshes again with it.
      assertThat(fx.zoho.refreshCalls(sibling[1])).isEqualTo(1);
      assertThat(fx.zoho.refreshCalls()).isEqualTo(3);
      assertThat(r.refreshToken()).isNotEqualTo(sibling[1]);
      assertThat(fx.zoho.isAccessTokenValid(r.accessToken())).isTrue();
    }
    assertThat(fx.zoho.isRefreshTokenValid(r.refreshToken())).isTrue();
    assertThat(store.findTokenById(t.id())).contains(r);
    assertThat(m.getToken(user(USER))).isEqualTo(r);
  }
}
