package dev.tokenstore.oauth;

import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_ID;
import static dev.tokenstore.oauth.EmulatorFixture.CLIENT_SECRET;
import static dev.tokenstore.oauth.EmulatorFixture.REDIRECT;
import static dev.tokenstore.oauth.EmulatorFixture.T0;
import static dev.tokenstore.oauth.EmulatorFixture.USER;
import static dev.tokenstore.oauth.EmulatorFixture.authorize;
import static dev.tokenstore.oauth.EmulatorFixture.grant;
import static dev.tokenstore.oauth.EmulatorFixture.id;
import static dev.tokenstore.oauth.EmulatorFixture.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.memory.MemoryTokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every flow of the token lifecycle against the local Zoho accounts emulator over loopback HTTP: the seed's
 * five ways of naming a token, api_domain and user name, refresh timing, Zoho and rotation modes, the old
 * millisecond {@code expires_in}, Zoho's HTTP 200 errors and RFC 6749's 400 errors, multi-DC exchange, and one
 * full flow on a {@code file:} store. The emulator's counters are the evidence of what went over the wire.
 */
class EmulatorLifecycleTest {
  private EmulatorFixture fx;
  private final MemoryTokenStore store = MemoryTokenStore.create();

  private EmulatorFixture start(UnaryOperator<AccountsEmulator.Builder> settings) {
    fx = new EmulatorFixture(settings);
    return fx;
  }

  private EmulatorFixture start() {
    return start(b -> b);
  }

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.assertNoSecretInEvents();
      fx.close();
    }
  }

  // ------------------------------------------------------------------------------------ the seed's flows

  @Test
  void grantTokenFromTheAuthorizationRedirectIsExchangedAndStored() throws Exception {
    start();
    EmulatorFixture.Redirect r = authorize(fx.zoho, USER);
    assertThat(r.target()).isEqualTo(REDIRECT);
    assertThat(r.location()).isEqualTo("us");
    assertThat(r.accountsServer()).isEqualTo(fx.zoho.baseUrl());
    assertThat(fx.zoho.authorizationCalls()).isEqualTo(1);

    TokenManager home = fx.manager(store).fillUserName(true).build();
    TokenManager m = home.withEnvironment(home.environment().forAccountsServer(r.accountsServer()));
    OAuthToken t = m.getToken(grant(r.code()));

    assertThat(t.id()).isNotNull();
    assertThat(fx.zoho.isAccessTokenValid(t.accessToken())).isTrue();
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isTrue();
    assertThat(t.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(t.apiDomain()).isEqualTo(fx.zoho.apiDomain());
    assertThat(t.userName()).isEqualTo(USER);
    assertThat(t.clientId()).isEqualTo(CLIENT_ID);
    assertThat(t.clientSecret()).isEqualTo(CLIENT_SECRET);
    assertThat(store.findTokenById(t.id())).contains(t);
    assertThat(fx.zoho.exchangeCalls()).isEqualTo(1);
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);
    assertThat(m.metrics().exchanges()).isEqualTo(1);

    // The same token, from memory or the store, by every way of naming it, without another call.
    TokenManager fresh = fx.manager(store).build();
    for (TokenManager any : new TokenManager[] {m, fresh}) {
      assertThat(any.getToken(grant(r.code()))).isEqualTo(t);
      assertThat(any.getToken(id(t.id()))).isEqualTo(t);
      assertThat(any.getToken(user(USER))).isEqualTo(t);
      assertThat(any.getToken(OAuthToken.builder().accessToken(t.accessToken()).build())).isEqualTo(t);
    }
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);
  }

  @Test
  void refreshTokenOnlyIsRefreshedAndStoredAsANewRecord() {
    start();
    String refreshToken = fx.exchangeNew(fx.manager(MemoryTokenStore.create()).build(), USER).refreshToken();
    fx.zoho.resetCounters();
    TokenManager m = fx.manager(store).build();
    OAuthToken partial = OAuthToken.builder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(refreshToken).build();

    OAuthToken t = m.getToken(partial);

    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(fx.zoho.refreshCalls(refreshToken)).isEqualTo(1);
    assertThat(fx.zoho.exchangeCalls()).isZero();
    assertThat(t.id()).isNotNull();
    assertThat(t.refreshToken()).isEqualTo(refreshToken);
    assertThat(fx.zoho.isAccessTokenValid(t.accessToken())).isTrue();
    assertThat(t.apiDomain()).isEqualTo(fx.zoho.apiDomain());
    assertThat(t.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(store.getTokens()).containsExactly(t);

    assertThat(m.getToken(partial)).isEqualTo(t);
    assertThat(fx.manager(store).build().getToken(partial)).isEqualTo(t);
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
  }

  @Test
  void accessTokenOnlyIsHandedBackOrFoundWithoutAnyCall() {
    start();
    TokenManager m = fx.manager(store).build();
    OAuthToken loose = OAuthToken.builder().accessToken("1000.not-stored-anywhere").build();
    assertThat(m.getToken(loose)).isEqualTo(loose);

    OAuthToken stored = fx.exchangeNew(fx.manager(store).build(), USER);
    fx.zoho.resetCounters();
    OAuthToken found = m.getToken(OAuthToken.builder().accessToken(stored.accessToken()).build());
    assertThat(found).isEqualTo(stored);
    assertThat(fx.zoho.tokenCalls()).isZero();
  }

  @Test
  void idOnlyAndUserOnlyFindTheRecordAndRefreshItWhenItExpires() {
    start();
    OAuthToken stored = fx.exchangeNew(fx.manager(store).fillUserName(true).build(), USER);
    fx.zoho.resetCounters();
    TokenManager m = fx.manager(store).build();

    assertThat(m.getToken(id(stored.id()))).isEqualTo(stored);
    assertThat(m.getToken(user(USER))).isEqualTo(stored);
    assertThat(fx.zoho.tokenCalls()).isZero();
    for (OAuthToken unknown : new OAuthToken[] {id("no-such-id"), user("nobody@example.com")}) {
      assertThat(catchThrowableOfType(StoreException.class, () -> m.getToken(unknown)).code())
          .isEqualTo(ErrorCode.TOKEN_NOT_FOUND);
    }

    fx.clock.advance(Duration.ofHours(1));
    OAuthToken byUser = m.getToken(user(USER));
    assertThat(byUser.accessToken()).isNotEqualTo(stored.accessToken());
    assertThat(fx.zoho.refreshCalls(stored.refreshToken())).isEqualTo(1);
    assertThat(m.getToken(id(stored.id()))).isEqualTo(byUser);
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
    assertThat(fx.zoho.isAccessTokenValid(byUser.accessToken())).isTrue();
  }

  // -------------------------------------------------------------------------------- api_domain, user

  @Test
  void apiDomainComesFromTheReplyAndTheUserNameFromCurrentUser() {
    start();
    // An environment whose configured API domain is elsewhere: the reply's api_domain must win.
    Environment env = Environment.zohoAccounts(fx.zoho.baseUrl(), "https://www.zohoapis.invalid");
    TokenManager m = fx.manager(store).environment(env).fillUserName(true).build();

    OAuthToken t = fx.exchangeNew(m, "grace@example.com");

    assertThat(t.apiDomain()).isEqualTo(fx.zoho.apiDomain());
    assertThat(t.userName()).isEqualTo("grace@example.com");
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(1); // asked at the reply's API domain, which is the emulator
    assertThat(store.findTokenById(t.id()).orElseThrow().userName()).isEqualTo("grace@example.com");
  }

  @Test
  void withoutFillUserNameNoUserLookupIsMade() {
    start();
    OAuthToken t = fx.exchangeNew(fx.manager(store).fillUserName(false).build(), USER);
    assertThat(t.userName()).isNull();
    assertThat(fx.zoho.userInfoCalls()).isZero();
  }

  @Test
  void aSecondConsentOfTheSameUserGoesIntoTheSameRecord() {
    start();
    TokenManager m = fx.manager(store).fillUserName(true).build();
    OAuthToken first = fx.exchangeNew(m, USER);
    OAuthToken second = fx.exchangeNew(m, USER);

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
    assertThat(store.getTokens()).containsExactly(second);
    assertThat(fx.zoho.exchangeCalls()).isEqualTo(2);
    assertThat(fx.zoho.userInfoCalls()).isEqualTo(2);
    assertThat(m.getToken(user(USER))).isEqualTo(second);
  }

  // ---------------------------------------------------------------------------------- refresh timing

  @Test
  void refreshesInsideTheWindowOfExpiryAndNotBeforeKeepingZohosRefreshToken() {
    start();
    TokenManager m = fx.manager(store).fillUserName(true).build(); // default window: five minutes
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.zoho.resetCounters();

    fx.clock.advance(Duration.ofMinutes(54)); // six minutes left: outside the window
    assertThat(m.getToken(user(USER))).isEqualTo(t);
    assertThat(fx.manager(store).build().getToken(user(USER))).isEqualTo(t);
    assertThat(fx.zoho.tokenCalls()).isZero();

    fx.clock.advance(Duration.ofMinutes(2)); // four minutes left: inside the window
    OAuthToken r = m.getToken(user(USER));

    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
    assertThat(r.id()).isEqualTo(t.id());
    assertThat(r.accessToken()).isNotEqualTo(t.accessToken());
    assertThat(r.refreshToken()).isEqualTo(t.refreshToken()); // Zoho's reply has none: the old one is kept
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isTrue();
    assertThat(r.expiresAt()).isEqualTo(fx.clock.instant().plus(Duration.ofHours(1)));
    assertThat(r.userName()).isEqualTo(USER);
    assertThat(store.findTokenById(t.id())).contains(r);
    assertThat(m.getToken(user(USER))).isEqualTo(r);
    assertThat(fx.zoho.tokenCalls()).isEqualTo(1);
  }

  @Test
  void aLongerRefreshWindowRefreshesEarlier() {
    start();
    TokenManager m = fx.manager(store).refreshWindow(Duration.ofMinutes(20)).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    fx.clock.advance(Duration.ofMinutes(39));
    assertThat(m.getToken(id(t.id()))).isEqualTo(t);
    assertThat(fx.zoho.refreshCalls()).isZero();
    fx.clock.advance(Duration.ofMinutes(2));
    assertThat(m.getToken(id(t.id())).accessToken()).isNotEqualTo(t.accessToken());
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
  }

  @Test
  void rotationModeReplacesTheRefreshToken() {
    start(b -> b.rotateRefreshTokens(true));
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);

    fx.clock.advance(Duration.ofHours(1));
    OAuthToken r = m.getToken(id(t.id()));

    assertThat(r.refreshToken()).isNotEqualTo(t.refreshToken());
    assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isFalse();
    assertThat(fx.zoho.isRefreshTokenValid(r.refreshToken())).isTrue();
    assertThat(store.getTokens()).containsExactly(r);

    fx.clock.advance(Duration.ofHours(1)); // the rotated token works for the next refresh
    OAuthToken again = m.getToken(id(t.id()));
    assertThat(fx.zoho.refreshCalls(r.refreshToken())).isEqualTo(1);
    assertThat(again.refreshToken()).isNotEqualTo(r.refreshToken());
    assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
  }

  @Test
  void oldMillisecondExpiresInIsReadWithExpiresInSec() {
    start(b -> b.legacyExpiresInMillis(true).accessTokenTtl(Duration.ofMinutes(30)));
    TokenManager m = fx.manager(store).build();
    OAuthToken t = fx.exchangeNew(m, USER);
    assertThat(t.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(30)));

    fx.clock.advance(Duration.ofMinutes(30));
    OAuthToken r = m.getToken(id(t.id()));
    assertThat(r.expiresAt()).isEqualTo(fx.clock.instant().plus(Duration.ofMinutes(30)));
    assertThat(fx.zoho.refreshCalls()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------- errors

  @ParameterizedTest(name = "errors with HTTP 200: {0}")
  @ValueSource(booleans = {true, false})
  void usedGrantCodeIsReauthorizationRequiredAndNothingIsSaved(boolean zohoErrors) {
    start(b -> b.errorsWithHttp200(zohoErrors));
    String code = fx.zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL");
    fx.manager(MemoryTokenStore.create()).build().getToken(grant(code));

    TokenManager m = fx.manager(store).build();
    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(grant(code)));

    assertThat(e.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
    assertThat(e.serverError()).contains(zohoErrors ? "invalid_code" : "invalid_grant");
    assertThat(e.httpStatus()).isEqualTo(zohoErrors ? 200 : 400);
    assertThat(e.getMessage()).doesNotContain(code).doesNotContain(CLIENT_SECRET);
    assertThat(store.getTokens()).isEmpty();
    assertThat(fx.zoho.exchangeCalls()).isEqualTo(2);
    assertThat(fx.count(TokenEvent.Type.EXCHANGE_FAILED)).isEqualTo(1);
  }

  @ParameterizedTest(name = "errors with HTTP 200: {0}")
  @ValueSource(booleans = {true, false})
  void wrongClientSecretIsInvalidClient(boolean zohoErrors) {
    start(b -> b.errorsWithHttp200(zohoErrors));
    String code = fx.zoho.issueGrantCode(CLIENT_ID, REDIRECT, "ZohoCRM.modules.ALL");
    TokenManager m = fx.manager(store).build();
    OAuthToken partial = grant(code).toBuilder().clientSecret("not-the-secret").build();

    OAuthException e = catchThrowableOfType(OAuthException.class, () -> m.getToken(partial));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CLIENT);
    assertThat(e.httpStatus()).isEqualTo(zohoErrors ? 200 : 400);
    assertThat(e.getMessage()).doesNotContain("not-the-secret").doesNotContain(code);
    assertThat(store.getTokens()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------ multi-DC

  @Test
  void codeIsExchangedAtTheAccountsServerTheRedirectNames() throws Exception {
    start();
    try (EmulatorFixture eu = new EmulatorFixture(fx.clock, b -> b)) {
      EmulatorFixture.Redirect r = authorize(eu.zoho, USER);
      assertThat(r.accountsServer()).isEqualTo(eu.zoho.baseUrl()).isNotEqualTo(fx.zoho.baseUrl());
      TokenManager home = fx.manager(store).fillUserName(true).build();

      // At the home server the code is unknown (and is not consumed at the server that issued it).
      OAuthException wrongDc = catchThrowableOfType(OAuthException.class, () -> home.getToken(grant(r.code())));
      assertThat(wrongDc.code()).isEqualTo(ErrorCode.REAUTHORIZATION_REQUIRED);
      assertThat(fx.zoho.exchangeCalls()).isEqualTo(1);
      assertThat(store.getTokens()).isEmpty();

      TokenManager there = home.withEnvironment(home.environment().forAccountsServer(r.accountsServer()));
      OAuthToken t = there.getToken(grant(r.code()));

      assertThat(eu.zoho.exchangeCalls()).isEqualTo(1);
      assertThat(eu.zoho.userInfoCalls()).isEqualTo(1);
      assertThat(fx.zoho.userInfoCalls()).isZero();
      assertThat(t.apiDomain()).isEqualTo(eu.zoho.apiDomain());
      assertThat(t.userName()).isEqualTo(USER);
      assertThat(eu.zoho.isRefreshTokenValid(t.refreshToken())).isTrue();

      // Refreshes go to the same data centre.
      fx.clock.advance(Duration.ofHours(1));
      OAuthToken r2 = there.getToken(id(t.id()));
      assertThat(eu.zoho.refreshCalls()).isEqualTo(1);
      assertThat(fx.zoho.refreshCalls()).isZero();
      assertThat(eu.zoho.isAccessTokenValid(r2.accessToken())).isTrue();
    }
  }

  @Test
  void anAccountsServerThatIsNotAllowedIsRefused() throws Exception {
    start();
    EmulatorFixture.Redirect r = authorize(fx.zoho, USER);
    TokenManager home = fx.manager(store).build();
    Environment env = home.environment();
    String[] forged = {
        "http://accounts.attacker.example",          // plain http to a remote host
        fx.zoho.baseUrl() + "/oauth/v2/token",        // a path
        fx.zoho.baseUrl() + "?next=1",                // a query
        "http://user:pw@127.0.0.1:" + fx.zoho.port(), // user info
        "ftp://127.0.0.1:" + fx.zoho.port(),
        "not a url"};
    for (String bad : forged) {
      TokenstoreException e = catchThrowableOfType(TokenstoreException.class, () -> env.forAccountsServer(bad));
      assertThat(e.code()).as(bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.getMessage()).doesNotContain("pw");
    }
    // A real Zoho data centre accepts only Zoho's accounts hosts: not the local server, not a look-alike.
    Environment us = Environment.zoho(DataCenter.US);
    for (String bad : new String[] {r.accountsServer(), "https://accounts.zoho.eu.attacker.example"}) {
      assertThat(catchThrowableOfType(TokenstoreException.class, () -> us.forAccountsServer(bad)).code())
          .as(bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }
    assertThat(us.forAccountsServer("https://accounts.zoho.eu").dataCenter()).contains(DataCenter.EU);
    // Nothing was sent anywhere, and the code still works where it belongs.
    assertThat(fx.zoho.tokenCalls()).isZero();
    assertThat(home.withEnvironment(env.forAccountsServer(r.accountsServer())).getToken(grant(r.code())).accessToken())
        .isNotNull();
  }

  // --------------------------------------------------------------------------------- a file: store

  @Test
  void fullLifecycleOnAFileStore(@TempDir Path dir) throws Exception {
    start();
    Path file = dir.resolve("sdk_tokens.txt");
    OAuthToken t;
    try (TokenStore files = TokenStores.open("file:" + file)) {
      TokenManager m = fx.manager(files).fillUserName(true).build();
      EmulatorFixture.Redirect r = authorize(fx.zoho, USER);
      t = m.withEnvironment(m.environment().forAccountsServer(r.accountsServer())).getToken(grant(r.code()));
      assertThat(t.userName()).isEqualTo(USER);
      assertThat(files.findTokenById(t.id())).contains(t);
      assertThat(fx.zoho.exchangeCalls()).isEqualTo(1);
      assertThat(fx.zoho.userInfoCalls()).isEqualTo(1);

      // A failed refresh leaves the file byte for byte as it was.
      fx.clock.advance(Duration.ofHours(1));
      byte[] before = Files.readAllBytes(file);
      fx.zoho.faults().malformedBody();
      assertThat(catchThrowableOfType(OAuthException.class, () -> m.getToken(user(USER))).code())
          .isEqualTo(ErrorCode.PROTOCOL_ERROR);
      assertThat(Arrays.equals(Files.readAllBytes(file), before)).isTrue();

      OAuthToken r2 = m.getToken(user(USER));
      assertThat(r2.accessToken()).isNotEqualTo(t.accessToken());
      assertThat(fx.zoho.refreshCalls()).isEqualTo(2);
      assertThat(fx.zoho.isAccessTokenValid(r2.accessToken())).isTrue();
      t = r2;
    }

    // Another process (here: a fresh store and manager on the same file) sees the refreshed token.
    try (TokenStore files = TokenStores.open("file:" + file)) {
      TokenManager other = fx.manager(files).build();
      assertThat(other.getToken(user(USER))).isEqualTo(t);
      assertThat(fx.zoho.refreshCalls()).isEqualTo(2);

      assertThat(other.revoke(user(USER))).isTrue();
      assertThat(fx.zoho.revokeCalls()).isEqualTo(1);
      assertThat(fx.zoho.isRefreshTokenValid(t.refreshToken())).isFalse();
      assertThat(files.getTokens()).isEmpty();
    }
    try (TokenStore files = TokenStores.open("file:" + file)) {
      assertThat(files.getTokens()).isEmpty();
    }
  }
}
