package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.file.FileTokenStore;
import dev.tokenstore.spi.ConditionalSave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh (or exchange) whose result the store cannot save, against the accounts emulator rotating refresh
 * tokens and a real file store (with compare-and-set saves) behind a decorator that refuses writes: the failure is
 * visible (event, metric, {@link TokenManager#unsavedTokenIds()}, {@link TokenManager#saveUnsaved()}), and with
 * {@code requireSaved(true)} the call fails with {@link ErrorCode#TOKEN_NOT_SAVED}.
 */
class UnsavedResultTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String CLIENT_ID = "1000.CLIENTID";
  private static final String CLIENT_SECRET = "cs-SECRET-0f9e8d7c6b5a";
  private static final String SCOPE = "ZohoCRM.modules.ALL";
  private static final String ADA = "ada@example.com";
  private static final OAuthToken BY_USER = OAuthToken.builder().userName(ADA).build();

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private final List<TokenEvent> events = new CopyOnWriteArrayList<>();
  private AccountsEmulator zoho;
  private FileTokenStore file;
  private RefusingStore store;

  @BeforeEach
  void setUp() {
    zoho = AccountsEmulator.builder().user(ADA).clock(clock).tokenSuffix("-SECRET").rotateRefreshTokens(true)
        .registerClient(CLIENT_ID, CLIENT_SECRET).start();
    file = FileTokenStore.open(dir.resolve("sdk_tokens.txt"));
    store = new RefusingStore(file);
  }

  @AfterEach
  void tearDown() {
    for (TokenEvent e : events) {
      assertThat(e.toString()).doesNotContain("SECRET");
      if (e.error() != null) {
        assertNoSecret(e.error());
      }
    }
    file.close();
    zoho.close();
  }

  private TokenManager manager(Consumer<TokenManager.Builder> custom) {
    TokenManager.Builder b = TokenManager.builder().store(store)
        .environment(Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain())).clock(clock)
        .retryPolicy(RetryPolicy.NONE).listener(events::add);
    custom.accept(b);
    return b.build();
  }

  private OAuthToken seed(Instant expiry) {
    IssuedTokens issued = zoho.issueTokens(CLIENT_ID, SCOPE, ADA);
    return store.saveToken(OAuthToken.builder().userName(ADA).clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(issued.refreshToken()).accessToken(issued.accessToken()).expiresAt(expiry)
        .apiDomain(zoho.apiDomain()).build());
  }

  private static void assertNoSecret(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain("SECRET");
    }
  }

  private long count(TokenEvent.Type type) {
    return events.stream().filter(e -> e.type() == type).count();
  }

  @Test
  void theStoreUnderTestSavesByCompareAndSet() {
    assertThat(store.capability(ConditionalSave.class)).isPresent();
  }

  @Test
  void byDefaultTheUnsavedResultIsHandedOutReportedAndSavedLater() throws Exception {
    OAuthToken seeded = seed(T0.minusSeconds(1));
    byte[] before = Files.readAllBytes(file.path());
    TokenManager m = manager(b -> {});
    store.refuse = true;

    OAuthToken refreshed = m.getToken(BY_USER);

    assertThat(refreshed.refreshToken()).isNotEqualTo(seeded.refreshToken()); // rotated at the server
    assertThat(zoho.isRefreshTokenValid(seeded.refreshToken())).isFalse();
    assertThat(Files.readAllBytes(file.path())).isEqualTo(before);
    assertThat(m.getToken(BY_USER)).isEqualTo(refreshed); // handed out from memory
    assertThat(count(TokenEvent.Type.SAVE_FAILED)).isEqualTo(1);
    TokenEvent failed = events.stream().filter(e -> e.type() == TokenEvent.Type.SAVE_FAILED).findFirst()
        .orElseThrow();
    assertThat(failed.tokenId()).isEqualTo(seeded.id());
    assertThat(failed.error()).isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
    assertThat(count(TokenEvent.Type.REFRESH_SUCCEEDED)).isZero();
    assertThat(m.metrics().saveFailures()).isEqualTo(1);
    assertThat(m.metrics().refreshes()).isEqualTo(1);
    assertThat(m.unsavedTokenIds()).containsExactly(seeded.id());

    StoreException still = catchThrowableOfType(StoreException.class, m::saveUnsaved);
    assertThat(still.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
    assertThat(still.getMessage()).contains("token id " + seeded.id(), "saveUnsaved()");
    assertThat(still.getCause()).isInstanceOf(StoreException.class);
    assertNoSecret(still);
    assertThat(m.unsavedTokenIds()).containsExactly(seeded.id());
    assertThat(m.metrics().saveFailures()).as("one failure per result").isEqualTo(1);

    store.refuse = false;
    assertThat(m.saveUnsaved()).isEqualTo(1);
    assertThat(m.unsavedTokenIds()).isEmpty();
    assertThat(store.findTokenById(seeded.id())).contains(refreshed);
    assertThat(m.saveUnsaved()).isZero();
  }

  @Test
  void withRequireSavedAStoreThatCannotWriteFailsBeforeTheServerIsCalled() throws Exception {
    OAuthToken seeded = seed(T0.plus(Duration.ofHours(1)));
    byte[] before = Files.readAllBytes(file.path());
    TokenManager m = manager(b -> b.requireSaved(true));
    store.refuse = true;

    StoreException e = catchThrowableOfType(StoreException.class, () -> m.refresh(BY_USER));

    assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
    assertThat(e.getMessage()).contains("refresh was not attempted", "Nothing was changed");
    assertNoSecret(e);
    assertThat(zoho.refreshCalls()).as("the server is not asked for tokens the store could not keep").isZero();
    assertThat(Files.readAllBytes(file.path())).isEqualTo(before);
    assertThat(zoho.isRefreshTokenValid(seeded.refreshToken())).as("the stored refresh token still works").isTrue();
    assertThat(m.unsavedTokenIds()).isEmpty();
  }

  @Test
  void withRequireSavedTheRefreshFailsWithTokenNotSavedAndTheResultIsKept() throws Exception {
    OAuthToken seeded = seed(T0.plus(Duration.ofHours(1)));
    byte[] before = Files.readAllBytes(file.path());
    TokenManager m = manager(b -> b.requireSaved(true));
    store.refuse = true;
    store.passBeforeRefusing = 1; // the store takes the check before the refresh, then fails to save its result

    StoreException e = catchThrowableOfType(StoreException.class, () -> m.refresh(BY_USER));

    assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
    assertThat(e.getMessage()).contains("Refreshed the token id " + seeded.id(), "could not save",
        "[STORE_UNAVAILABLE]", "rotated the refresh token", "authorize the application again");
    assertThat(e.getCause()).isInstanceOfSatisfying(StoreException.class,
        c -> assertThat(c.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
    assertNoSecret(e);
    assertThat(Files.readAllBytes(file.path())).isEqualTo(before);
    assertThat(zoho.refreshCalls()).isEqualTo(1);
    assertThat(count(TokenEvent.Type.SAVE_FAILED)).isEqualTo(1);
    assertThat(m.metrics().saveFailures()).isEqualTo(1);
    assertThat(m.unsavedTokenIds()).containsExactly(seeded.id());

    // the store recovers: the kept result is saved, nothing was lost
    store.refuse = false;
    assertThat(m.saveUnsaved()).isEqualTo(1);
    OAuthToken stored = store.findTokenById(seeded.id()).orElseThrow();
    assertThat(stored.refreshToken()).isNotEqualTo(seeded.refreshToken());
    assertThat(zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();
  }

  @Test
  void withRequireSavedAnUnsavedEarlyRefreshFailsInsteadOfHandingOutTheOlderToken() {
    seed(T0.plus(Duration.ofMinutes(2))); // valid, inside the five-minute window
    TokenManager m = manager(b -> b.requireSaved(true));
    store.refuse = true;
    store.passBeforeRefusing = 1;

    StoreException e = catchThrowableOfType(StoreException.class, () -> m.getToken(BY_USER));

    assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
    assertThat(m.metrics().refreshFailures()).isZero();
  }

  @Test
  void withoutRequireSavedAnUnsavedEarlyRefreshHandsOutTheNewToken() {
    OAuthToken seeded = seed(T0.plus(Duration.ofMinutes(2)));
    TokenManager m = manager(b -> {});
    store.refuse = true;

    OAuthToken t = m.getToken(BY_USER);

    assertThat(t.accessToken()).isNotEqualTo(seeded.accessToken());
    assertThat(t.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(m.unsavedTokenIds()).containsExactly(seeded.id());
  }

  @Test
  void anExchangeWhoseResultCannotBeSavedFailsWithTokenNotSaved() {
    TokenManager m = manager(b -> {});
    store.refuse = true;
    String code = zoho.issueSelfClientGrantCode(CLIENT_ID, SCOPE, ADA);

    StoreException e = catchThrowableOfType(StoreException.class, () -> m.getToken(OAuthToken.builder()
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).grantToken(code).build()));

    assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
    assertThat(e.getMessage()).contains("Exchanged the grant token", "grant token is used up");
    assertThat(e.getCause()).isInstanceOf(StoreException.class);
    assertNoSecret(e);
    assertThat(count(TokenEvent.Type.SAVE_FAILED)).isEqualTo(1);
    assertThat(count(TokenEvent.Type.EXCHANGED)).isZero();
    assertThat(m.metrics().saveFailures()).isEqualTo(1);
    assertThat(m.unsavedTokenIds()).isEmpty();
    assertThat(file.getTokens()).isEmpty();
  }

  @Test
  void importingARefreshTokenWhoseResultCannotBeSavedFailsWithTokenNotSaved() {
    TokenManager m = manager(b -> {});
    store.refuse = true;
    String rt = zoho.issueTokens(CLIENT_ID, SCOPE, ADA).refreshToken();

    StoreException e = catchThrowableOfType(StoreException.class, () -> m.getToken(OAuthToken.builder()
        .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken(rt).build()));

    assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
    assertThat(e.getMessage()).contains("Refreshed the refresh token", "not kept");
    assertNoSecret(e);
    assertThat(m.metrics().saveFailures()).isEqualTo(1);
    assertThat(file.getTokens()).isEmpty();
  }

  @Test
  void withEnvironmentKeepsRequireSaved() {
    seed(T0.minusSeconds(1));
    TokenManager m = manager(b -> b.requireSaved(true)).withEnvironment(
        Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain()));
    store.refuse = true;
    store.passBeforeRefusing = 1;
    StoreException e = catchThrowableOfType(StoreException.class, () -> m.getToken(BY_USER));
    assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_NOT_SAVED);
  }
}
