package dev.tokenstore.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.emulator.ManualClock;
import dev.tokenstore.TokenStores;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A manager whose store is shared with other processes: a record deleted, replaced or given to another user
 * elsewhere is honoured within {@code recheckStoreAfter}, and a key never yields another user's record. (No call
 * reaches a server: every token here is valid for hours.)
 */
class RecheckStoreTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
  @TempDir Path dir;
  private TokenStore store;

  @BeforeEach
  void open() {
    store = TokenStores.open("file:" + dir.resolve("sdk_tokens.txt")); // Zoho's rule: the next id is max + 1
  }

  @AfterEach
  void close() {
    store.close();
  }

  private TokenManager manager(Duration recheck) {
    return TokenManager.builder().store(store).clock(clock).recheckStoreAfter(recheck)
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "http://127.0.0.1:9")).build();
  }

  private OAuthToken save(String user, String access) {
    return store.saveToken(OAuthToken.builder().userName(user).clientId("c").refreshToken("r-" + user)
        .accessToken(access).expiresAt(clock.instant().plus(Duration.ofHours(2))).build());
  }

  @Test
  void aRecordDeletedElsewhereIsNotHandedOutAfterTheRecheckPeriod() {
    TokenManager m = manager(Duration.ofSeconds(1));
    OAuthToken bob = save("bob", "bob-access");
    OAuthToken byUser = OAuthToken.builder().userName("bob").build();
    assertThat(m.accessToken(byUser)).isEqualTo("bob-access");
    long reads = m.metrics().storeReads();
    assertThat(m.accessToken(byUser)).isEqualTo("bob-access");
    assertThat(m.metrics().storeReads()).as("inside the period: memory only").isEqualTo(reads);

    store.deleteToken(bob.id()); // another process deletes (or revokes) the record
    clock.advance(Duration.ofMillis(1001));
    assertThatThrownBy(() -> m.accessToken(byUser)).isInstanceOf(TokenstoreException.class)
        .satisfies(e -> assertThat(((TokenstoreException) e).code()).isEqualTo(ErrorCode.TOKEN_NOT_FOUND));
  }

  @Test
  void anIdGivenToAnotherUserNeverHandsThatUsersTokenToTheOldKey() {
    TokenManager m = manager(Duration.ofSeconds(1));
    OAuthToken bob = save("bob", "bob-access");
    OAuthToken byUser = OAuthToken.builder().userName("bob").build();
    OAuthToken byId = OAuthToken.builder().id(bob.id()).build();
    assertThat(m.accessToken(byUser)).isEqualTo("bob-access");
    assertThat(m.accessToken(byId)).isEqualTo("bob-access");

    // another process rewrites record 1 as carol's (as a store that gives a freed id again, like SQLite's
    // MAX(id) + 1 after a delete, does when carol signs in)
    OAuthToken carol = store.saveToken(OAuthToken.builder().id(bob.id()).userName("carol").refreshToken("r-carol")
        .accessToken("carol-access").expiresAt(clock.instant().plus(Duration.ofHours(2))).build());
    assertThat(carol.id()).isEqualTo(bob.id());
    assertThat(carol.userName()).isEqualTo("carol");
    clock.advance(Duration.ofMillis(1001));
    assertThatThrownBy(() -> m.accessToken(byUser)).isInstanceOf(TokenstoreException.class);
    assertThat(m.accessToken(byId)).as("the id's current record").isEqualTo("carol-access");
  }

  @Test
  void aTokenReplacedElsewhereIsPickedUpAfterThePeriod() {
    TokenManager m = manager(Duration.ofSeconds(5));
    save("bob", "old-access");
    OAuthToken byUser = OAuthToken.builder().userName("bob").build();
    assertThat(m.accessToken(byUser)).isEqualTo("old-access");
    save("bob", "new-access");
    clock.advance(Duration.ofSeconds(4));
    assertThat(m.accessToken(byUser)).isEqualTo("old-access");
    clock.advance(Duration.ofSeconds(2));
    assertThat(m.accessToken(byUser)).isEqualTo("new-access");
  }

  @Test
  void withoutARecheckMemoryHandsOutUntilTheRefreshTime() {
    TokenManager m = TokenManager.builder().store(store).clock(clock)
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "http://127.0.0.1:9")).build();
    OAuthToken bob = save("bob", "bob-access");
    OAuthToken byUser = OAuthToken.builder().userName("bob").build();
    assertThat(m.accessToken(byUser)).isEqualTo("bob-access");
    store.deleteToken(bob.id());
    clock.advance(Duration.ofMinutes(30));
    assertThat(m.accessToken(byUser)).as("one process owns the store: the documented default").isEqualTo("bob-access");
  }

  @Test
  void invalidateMakesTheNextCallReadTheStoreAtOnce() {
    TokenManager m = TokenManager.builder().store(store).clock(clock)
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "http://127.0.0.1:9")).build();
    OAuthToken bob = save("bob", "old-access");
    OAuthToken byUser = OAuthToken.builder().userName("bob").build();
    assertThat(m.accessToken(byUser)).isEqualTo("old-access");
    save("bob", "new-access"); // a framework saved a new sign-in
    assertThat(m.accessToken(byUser)).as("memory, before invalidate").isEqualTo("old-access");
    m.invalidate(bob.id());
    assertThat(m.accessToken(byUser)).isEqualTo("new-access");
    store.deleteToken(bob.id()); // a logout removed it
    m.invalidate(bob.id());
    assertThatThrownBy(() -> m.accessToken(byUser)).isInstanceOf(TokenstoreException.class);
    m.invalidate("no-such-id"); // harmless
  }
}
