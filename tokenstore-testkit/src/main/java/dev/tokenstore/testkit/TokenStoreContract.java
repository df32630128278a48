package dev.tokenstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStoreException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance test every {@link TokenStore} passes: the matching rules, merging, ids, hostile values,
 * reopening, and many threads at once. Extend it and implement {@link #openStore()}:
 *
 * <pre>{@code
 * class MyStoreTest extends TokenStoreContract {
 *   @Override protected TokenStore openStore() {
 *     return MyStore.open(tempDir.resolve("tokens"));
 *   }
 * }
 * }</pre>
 *
 * <p>Each test gets a new instance of the subclass and a new {@link #tempDir}. Within one test, every call of
 * {@link #openStore()} must open the same storage (so that what was saved before a close is found after
 * reopening), and the storage must start empty. A store that keeps nothing after close (an in-memory one)
 * overrides {@link #persistent()} to return false. The kit closes every store it opens.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
public abstract class TokenStoreContract {

  /** A fresh folder for each test, for stores that keep files. */
  @TempDir protected Path tempDir;

  /** The store under test, opened before each test. */
  protected TokenStore store;

  private final List<TokenStore> opened = new ArrayList<>();

  /** Opens the store under test; see the class description for what each call must return. */
  protected abstract TokenStore openStore() throws Exception;

  /** Whether a closed and reopened store still holds the tokens. True unless overridden. */
  protected boolean persistent() {
    return true;
  }

  /** How many threads the concurrency tests use; 8 unless overridden. */
  protected int threads() {
    return 8;
  }

  @BeforeEach
  void openStoreUnderTest() throws Exception {
    store = open();
    assertThat(store.getTokens()).as("a new store must start empty").isEmpty();
  }

  @AfterEach
  void closeStores() {
    for (TokenStore s : opened) {
      s.close();
    }
  }

  /** Opens another handle on the storage under test and closes it after the test. */
  protected final TokenStore open() throws Exception {
    TokenStore s = openStore();
    opened.add(s);
    return s;
  }

  // ---------------------------------------------------------------------------------------------------
  // Fixtures

  /** A complete token for {@code user}, with a distinct value in every field. */
  protected static OAuthToken fullToken(String user) {
    return OAuthToken.builder()
        .userName(user)
        .clientId("1000.CLIENT")
        .clientSecret("secret-" + user)
        .refreshToken("1000.refresh." + user)
        .accessToken("1000.access." + user)
        .grantToken("1000.grant." + user)
        .expiresAt(Instant.ofEpochMilli(1_900_000_000_123L))
        .redirectUrl("https://app.example.com/callback")
        .apiDomain("https://www.zohoapis.com")
        .build();
  }

  private static OAuthToken withoutId(OAuthToken t) {
    return t.toBuilder().id(null).build();
  }

  private static ErrorCode codeOf(Throwable t) {
    return ((TokenStoreException) t).code();
  }

  // ---------------------------------------------------------------------------------------------------

  @Nested
  @DisplayName("saving and reading back")
  class RoundTrip {
    @Test
    void allTenFieldsRoundTrip() {
      OAuthToken saved = store.saveToken(fullToken("alice@example.com"));
      assertThat(saved.id()).as("a new record gets a numeric id").matches("[0-9]+");
      assertThat(withoutId(saved)).isEqualTo(fullToken("alice@example.com"));
      assertThat(store.findTokenById(saved.id())).contains(saved);
      assertThat(store.getTokens()).containsExactly(saved);
    }

    @Test
    void saveReturnsTheStoredRecordAndFindReturnsTheSame() {
      OAuthToken saved = store.saveToken(fullToken("bob@example.com"));
      assertThat(store.findToken(OAuthToken.builder().userName("bob@example.com").build())).contains(saved);
    }

    @Test
    void expiryKeepsMilliseconds() {
      Instant expiry = Instant.parse("2031-05-06T07:08:09.123456789Z");
      OAuthToken saved = store.saveToken(OAuthToken.builder().refreshToken("r").expiresAt(expiry).build());
      assertThat(store.findTokenById(saved.id()).orElseThrow().expiresAt())
          .isEqualTo(Instant.parse("2031-05-06T07:08:09.123Z"));
    }

    @Test
    void unknownIdIsEmpty() {
      store.saveToken(fullToken("a@example.com"));
      assertThat(store.findTokenById("999999")).isEmpty();
      assertThat(store.findTokenById("not-a-number")).isEmpty();
    }

    @Test
    void moreThanTenTokensGetDistinctIdsAndNoneIsOverwritten() {
      // Zoho's stores take MAX(id) over a text column: "9" > "10", so the eleventh save overwrites a row.
      List<OAuthToken> saved = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        saved.add(store.saveToken(fullToken("user" + i + "@example.com")));
      }
      assertThat(saved.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(25);
      assertThat(store.getTokens()).hasSize(25).containsExactlyInAnyOrderElementsOf(saved);
      for (int i = 0; i < 25; i++) {
        assertThat(store.findToken(OAuthToken.builder().userName("user" + i + "@example.com").build()))
            .contains(saved.get(i));
      }
    }

    @Test
    void getTokensIsOrderedByNumericId() {
      for (int i = 0; i < 12; i++) {
        store.saveToken(fullToken("u" + i + "@example.com"));
      }
      List<Long> ids = store.getTokens().stream().map(t -> Long.parseLong(t.id())).collect(Collectors.toList());
      assertThat(ids).isSorted().hasSize(12);
    }

    @Test
    void aGivenIdIsKept() {
      OAuthToken saved = store.saveToken(fullToken("c@example.com").toBuilder().id("42").build());
      assertThat(saved.id()).isEqualTo("42");
      assertThat(store.findTokenById("42")).contains(saved);
      OAuthToken next = store.saveToken(fullToken("d@example.com"));
      assertThat(next.id()).as("new ids never collide with given ones").isNotEqualTo("42");
    }
  }

  @Nested
  @DisplayName("matching rules")
  class Matching {
    @Test
    void rule1IdWinsOverEverythingElse() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      store.saveToken(fullToken("b@example.com"));
      OAuthToken query = OAuthToken.builder().id(a.id()).userName("b@example.com").build();
      assertThat(store.findToken(query)).contains(a);
    }

    @Test
    void rule2UserNameFindsThatUsersRecordOnly() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken b = store.saveToken(fullToken("b@example.com"));
      assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").build())).contains(a);
      assertThat(store.findToken(OAuthToken.builder().userName("b@example.com").build())).contains(b);
      assertThat(store.findToken(OAuthToken.builder().userName("c@example.com").build())).isEmpty();
    }

    @Test
    void rule2UserNameIsNotCaseFolded() {
      store.saveToken(fullToken("a@example.com"));
      assertThat(store.findToken(OAuthToken.builder().userName("A@EXAMPLE.COM").build())).isEmpty();
    }

    @Test
    void rule2TwoClientsOfOneUserAreTwoRecords() {
      OAuthToken one = store.saveToken(fullToken("a@example.com").toBuilder().clientId("client-1").build());
      OAuthToken two = store.saveToken(fullToken("a@example.com").toBuilder().clientId("client-2").build());
      assertThat(one.id()).isNotEqualTo(two.id());
      assertThat(store.getTokens()).hasSize(2);
      assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").clientId("client-2").build()))
          .contains(two);
      assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").clientId("client-3").build()))
          .isEmpty();
    }

    @Test
    void rule2ProductionAndSandboxOfOneUserAreTwoRecords() {
      OAuthToken prod = store.saveToken(fullToken("a@example.com"));
      OAuthToken sandbox =
          store.saveToken(fullToken("a@example.com").toBuilder().apiDomain("https://sandbox.zohoapis.com").build());
      assertThat(prod.id()).isNotEqualTo(sandbox.id());
      assertThat(store.findToken(
              OAuthToken.builder().userName("a@example.com").apiDomain("https://sandbox.zohoapis.com").build()))
          .contains(sandbox);
      assertThat(store.findToken(
              OAuthToken.builder().userName("a@example.com").apiDomain("https://www.zohoapis.com").build()))
          .contains(prod);
    }

    @Test
    void rule2AUserOnlyQueryMatchingSeveralRecordsIsAClearError() {
      store.saveToken(fullToken("a@example.com").toBuilder().clientId("client-1").build());
      store.saveToken(fullToken("a@example.com").toBuilder().clientId("client-2").build());
      OAuthToken query = OAuthToken.builder().userName("a@example.com").accessToken("secret-access-xyz").build();
      assertThatThrownBy(() -> store.findToken(query))
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.AMBIGUOUS_MATCH))
          .hasMessageContaining("a@example.com")
          .hasMessageNotContaining("secret-access-xyz");
      assertThatThrownBy(() -> store.saveToken(query))
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.AMBIGUOUS_MATCH));
      assertThat(store.getTokens()).hasSize(2);
    }

    @Test
    void rule3AccessTokenWithoutClientCredentials() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      store.saveToken(fullToken("b@example.com"));
      assertThat(store.findToken(OAuthToken.builder().accessToken("1000.access.a@example.com").build()))
          .contains(a);
      assertThat(store.findToken(OAuthToken.builder().accessToken("1000.access.nobody").build())).isEmpty();
    }

    @Test
    void rule3DoesNotApplyWhenClientCredentialsAreGiven() {
      store.saveToken(fullToken("a@example.com"));
      OAuthToken query =
          OAuthToken.builder().accessToken("1000.access.a@example.com").clientId("1000.CLIENT").build();
      assertThat(store.findToken(query)).as("no rule applies: no match, never the first row").isEmpty();
    }

    @Test
    void rule4GrantToken() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      store.saveToken(fullToken("b@example.com"));
      OAuthToken query = OAuthToken.builder().grantToken("1000.grant.a@example.com").clientId("1000.CLIENT")
          .clientSecret("s").refreshToken("1000.refresh.b@example.com").build();
      assertThat(store.findToken(query)).as("the grant token decides before the refresh token").contains(a);
    }

    @Test
    void rule5RefreshTokenComparesTheClientIdWhenGiven() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      assertThat(store.findToken(OAuthToken.builder().refreshToken("1000.refresh.a@example.com").build()))
          .contains(a);
      assertThat(store.findToken(
              OAuthToken.builder().refreshToken("1000.refresh.a@example.com").clientId("1000.CLIENT").build()))
          .contains(a);
      assertThat(store.findToken(
              OAuthToken.builder().refreshToken("1000.refresh.a@example.com").clientId("other").build()))
          .isEmpty();
    }

    @Test
    void rule6NothingToMatchOnIsNoMatchNeverTheFirstRow() {
      store.saveToken(fullToken("a@example.com"));
      assertThat(store.findToken(OAuthToken.builder().build())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().clientId("1000.CLIENT").clientSecret("x").build())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().apiDomain("https://www.zohoapis.com").build())).isEmpty();
    }

    @Test
    void usersAreNeverMixed() {
      for (int i = 0; i < 20; i++) {
        store.saveToken(fullToken("user" + i + "@example.com"));
      }
      for (int i = 0; i < 20; i++) {
        OAuthToken found = store.findToken(OAuthToken.builder().refreshToken("1000.refresh.user" + i + "@example.com")
            .build()).orElseThrow();
        assertThat(found.userName()).isEqualTo("user" + i + "@example.com");
        assertThat(found.accessToken()).isEqualTo("1000.access.user" + i + "@example.com");
      }
    }
  }

  @Nested
  @DisplayName("saving rules")
  class Saving {
    @Test
    void saveMergesFieldsSetOverStoredOnes() {
      OAuthToken first = store.saveToken(fullToken("a@example.com"));
      Instant later = Instant.ofEpochMilli(1_950_000_000_000L);
      OAuthToken update = OAuthToken.builder().userName("a@example.com").clientId("1000.CLIENT")
          .accessToken("new-access").expiresAt(later).build();
      OAuthToken saved = store.saveToken(update);
      assertThat(saved.id()).isEqualTo(first.id());
      assertThat(saved).isEqualTo(first.toBuilder().accessToken("new-access").expiresAt(later).build());
      assertThat(store.findTokenById(first.id())).contains(saved);
      assertThat(store.getTokens()).hasSize(1);
    }

    @Test
    void savingTheSameUserAndClientTwiceUpdatesOneRecord() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken b = store.saveToken(fullToken("a@example.com").toBuilder().refreshToken("rotated").build());
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(store.getTokens()).containsExactly(b);
    }

    @Test
    void saveByIdUpdatesThatRecord() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken saved = store.saveToken(OAuthToken.builder().id(a.id()).accessToken("by-id").build());
      assertThat(saved).isEqualTo(a.toBuilder().accessToken("by-id").build());
    }

    @Test
    void saveByAccessTokenUpdatesThatRecord() {
      OAuthToken a = store.saveToken(OAuthToken.builder().accessToken("only-access").build());
      OAuthToken saved = store.saveToken(OAuthToken.builder().accessToken("only-access")
          .expiresAt(Instant.ofEpochMilli(2_000_000_000_000L)).build());
      assertThat(saved.id()).isEqualTo(a.id());
      assertThat(store.getTokens()).hasSize(1);
    }

    @Test
    void saveByGrantTokenFillsTheExchangeResult() {
      OAuthToken pending = store.saveToken(OAuthToken.builder().clientId("c").clientSecret("s")
          .grantToken("g-1").redirectUrl("https://x/cb").build());
      // With client credentials, rule 3 (access token) does not apply and the grant token decides.
      OAuthToken exchanged = store.saveToken(OAuthToken.builder().clientId("c").grantToken("g-1").refreshToken("r-1")
          .accessToken("a-1").expiresAt(Instant.ofEpochMilli(1_900_000_000_000L)).build());
      assertThat(exchanged.id()).isEqualTo(pending.id());
      assertThat(exchanged.clientSecret()).isEqualTo("s");
      assertThat(exchanged.refreshToken()).isEqualTo("r-1");
    }

    @Test
    void aNewRecordWithoutAnyTokenIsRejectedAndNothingIsStored() {
      OAuthToken nothing = OAuthToken.builder().userName("a@example.com").clientId("c")
          .clientSecret("client-secret-value").build();
      assertThatThrownBy(() -> store.saveToken(nothing))
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT))
          .hasMessageNotContaining("client-secret-value");
      assertThat(store.getTokens()).isEmpty();
    }

    @Test
    void anExistingRecordMayBeUpdatedWithoutTokens() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken saved = store.saveToken(OAuthToken.builder().id(a.id()).redirectUrl("https://new/cb").build());
      assertThat(saved.redirectUrl()).isEqualTo("https://new/cb");
      assertThat(saved.refreshToken()).isEqualTo(a.refreshToken());
    }

    @Test
    void aSaveThatWouldDuplicateUserClientAndDomainIsRejected() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken other = store.saveToken(OAuthToken.builder().refreshToken("pending-refresh").clientId("1000.CLIENT")
          .apiDomain("https://www.zohoapis.com").build());
      // Giving the second record the first one's user would make two records for one user and client.
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().id(other.id()).userName("a@example.com").build()))
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.DUPLICATE_TOKEN))
          .hasMessageNotContaining("pending-refresh")
          .hasMessageNotContaining("1000.refresh.a@example.com");
      assertThat(store.getTokens()).containsExactlyInAnyOrder(a, other);
    }

    @Test
    void aFailedSaveChangesNothing() {
      OAuthToken a = store.saveToken(fullToken("a@example.com").toBuilder().clientId("c1").build());
      OAuthToken b = store.saveToken(fullToken("a@example.com").toBuilder().clientId("c2").build());
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("a@example.com").accessToken("x").build()))
          .isInstanceOf(TokenStoreException.class);
      assertThat(store.getTokens()).containsExactlyInAnyOrder(a, b);
    }
  }

  @Nested
  @DisplayName("deleting")
  class Deleting {
    @Test
    void deleteTokenDeletesOnlyThatRecord() {
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      OAuthToken b = store.saveToken(fullToken("b@example.com"));
      assertThat(store.deleteToken(a.id())).isTrue();
      assertThat(store.deleteToken(a.id())).as("second delete").isFalse();
      assertThat(store.findTokenById(a.id())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").build())).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().refreshToken(a.refreshToken()).build())).isEmpty();
      assertThat(store.getTokens()).containsExactly(b);
    }

    @Test
    void deleteUnknownOrHostileIdIsFalse() {
      store.saveToken(fullToken("a@example.com"));
      assertThat(store.deleteToken("12345")).isFalse();
      assertThat(store.deleteToken("1 OR 1=1")).isFalse();
      assertThat(store.deleteToken("1'; DELETE FROM oauthtoken; --")).isFalse();
      assertThat(store.getTokens()).hasSize(1);
    }

    @Test
    void deleteTokensEmptiesTheStoreAndItStaysUsable() {
      for (int i = 0; i < 5; i++) {
        store.saveToken(fullToken("u" + i + "@example.com"));
      }
      store.deleteTokens();
      assertThat(store.getTokens()).isEmpty();
      assertThat(store.findToken(OAuthToken.builder().userName("u1@example.com").build())).isEmpty();
      OAuthToken again = store.saveToken(fullToken("u1@example.com"));
      assertThat(store.getTokens()).containsExactly(again);
    }
  }

  static Stream<String> hostileValues() {
    return Stream.of(
        "o'brien@example.com",
        "quote\"inside@example.com",
        "x'; DROP TABLE oauthtoken; --",
        "' OR '1'='1",
        "comma,separated,value",
        "new\nline\r\nand\rreturn",
        "tab\tand\\backslash",
        "ünïcödé 用户 🙂 @example.com",
        " leading and trailing spaces ",
        "%s %n {} ${jndi:ldap://x}",
        "x".repeat(10_000));
  }

  @ParameterizedTest
  @MethodSource("hostileValues")
  @DisplayName("hostile values round-trip in every field and are found by user name")
  void hostileValuesRoundTrip(String value) throws Exception {
    OAuthToken token = OAuthToken.builder()
        .userName(value)
        .clientId(value)
        .clientSecret(value)
        .refreshToken(value)
        .accessToken(value + "-access")
        .grantToken(value + "-grant")
        .expiresAt(Instant.ofEpochMilli(1_800_000_000_000L))
        .redirectUrl(value)
        .apiDomain(value)
        .build();
    store.saveToken(fullToken("bystander@example.com"));
    OAuthToken saved = store.saveToken(token);
    assertThat(withoutId(saved)).isEqualTo(token);
    assertThat(store.findToken(OAuthToken.builder().userName(value).build())).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().refreshToken(value).build())).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().accessToken(value + "-access").build())).contains(saved);
    assertThat(store.getTokens()).hasSize(2);
    if (persistent()) {
      store.close();
      TokenStore reopened = open();
      assertThat(reopened.findTokenById(saved.id())).contains(saved);
      assertThat(reopened.getTokens()).hasSize(2);
    }
  }

  @Nested
  @DisplayName("closing and reopening")
  class Lifecycle {
    @Test
    void aClosedStoreRefusesWorkWithStoreClosed() {
      store.saveToken(fullToken("a@example.com"));
      store.close();
      store.close(); // idempotent
      assertThatThrownBy(() -> store.getTokens())
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.STORE_CLOSED));
      assertThatThrownBy(() -> store.saveToken(fullToken("b@example.com")))
          .isInstanceOf(TokenStoreException.class)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.STORE_CLOSED));
    }

    @Test
    void tokensSurviveReopening() throws Exception {
      List<OAuthToken> saved = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        saved.add(store.saveToken(fullToken("u" + i + "@example.com")));
      }
      store.close();
      TokenStore reopened = open();
      if (persistent()) {
        assertThat(reopened.getTokens()).containsExactlyElementsOf(saved);
        OAuthToken next = reopened.saveToken(fullToken("new@example.com"));
        assertThat(saved.stream().map(OAuthToken::id)).doesNotContain(next.id());
      } else {
        assertThat(reopened.getTokens()).isEmpty();
      }
    }

    @Test
    void twoOpenHandlesSeeEachOthersWrites() throws Exception {
      if (!persistent()) {
        assertThat(open().getTokens()).as("a non-persistent store shares nothing").isEmpty();
        return;
      }
      TokenStore second = open();
      OAuthToken a = store.saveToken(fullToken("a@example.com"));
      assertThat(second.findToken(OAuthToken.builder().userName("a@example.com").build())).contains(a);
      OAuthToken b = second.saveToken(fullToken("b@example.com"));
      assertThat(b.id()).isNotEqualTo(a.id());
      assertThat(store.findTokenById(b.id())).contains(b);
    }

    @Test
    void toStringShowsNoSecret() {
      store.saveToken(fullToken("a@example.com"));
      assertThat(store.toString())
          .doesNotContain("secret-a@example.com")
          .doesNotContain("1000.refresh.a@example.com")
          .doesNotContain("1000.access.a@example.com");
    }
  }

  @Nested
  @DisplayName("many threads at once")
  class Concurrency {
    @Test
    void manyThreadsSavingDifferentUsersLoseNothingAndShareNoId() throws Exception {
      int threads = threads();
      int perThread = 50;
      List<OAuthToken> saved = runInThreads(threads, t -> {
        List<OAuthToken> mine = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          mine.add(store.saveToken(fullToken("t" + t + "-u" + i + "@example.com")));
        }
        return mine;
      });
      assertThat(saved).hasSize(threads * perThread);
      assertThat(saved.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(threads * perThread);
      assertThat(store.getTokens()).hasSize(threads * perThread).containsExactlyInAnyOrderElementsOf(saved);
    }

    @Test
    void manyThreadsSavingTheSameUserMakeOneRecord() throws Exception {
      int threads = threads();
      List<OAuthToken> saved = runInThreads(threads, t -> {
        List<OAuthToken> mine = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          mine.add(store.saveToken(fullToken("same@example.com").toBuilder().accessToken("a-" + t + "-" + i).build()));
        }
        return mine;
      });
      assertThat(saved.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(1);
      List<OAuthToken> all = store.getTokens();
      assertThat(all).hasSize(1);
      Set<String> written = saved.stream().map(OAuthToken::accessToken).collect(Collectors.toCollection(HashSet::new));
      assertThat(written).contains(all.get(0).accessToken());
    }

    @Test
    void readersAlwaysSeeACompleteRecordWhileWritersUpdateIt() throws Exception {
      OAuthToken base = store.saveToken(fullToken("r@example.com"));
      int threads = Math.max(2, threads());
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      runInThreads(threads, t -> {
        for (int i = 0; i < 40; i++) {
          if (t % 2 == 0) {
            String v = "v-" + t + "-" + i;
            store.saveToken(OAuthToken.builder().id(base.id()).accessToken(v + "-a").refreshToken(v + "-r").build());
          } else {
            Optional<OAuthToken> seen = store.findTokenById(base.id());
            if (seen.isEmpty()) {
              problems.add("record vanished during an update");
            } else {
              String a = seen.get().accessToken();
              String r = seen.get().refreshToken();
              boolean original = a.equals(base.accessToken()) && r.equals(base.refreshToken());
              boolean paired = a.endsWith("-a") && r.endsWith("-r")
                  && a.substring(0, a.length() - 2).equals(r.substring(0, r.length() - 2));
              if (!original && !paired) {
                problems.add("torn record");
              }
            }
          }
        }
        return List.of();
      });
      assertThat(problems).isEmpty();
    }
  }

  /** Runs {@code work} on {@code threads} threads started together; returns all results; fails on any error. */
  protected static <T> List<T> runInThreads(int threads, ThreadWork<T> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<List<T>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int n = t;
        futures.add(pool.submit(() -> {
          start.await();
          return work.run(n);
        }));
      }
      start.countDown();
      List<T> out = new ArrayList<>();
      for (Future<List<T>> f : futures) {
        out.addAll(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Work for one thread of {@link #runInThreads}. */
  @FunctionalInterface
  protected interface ThreadWork<T> {
    List<T> run(int thread) throws Exception;
  }
}
