package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.codeOf;
import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.TokenRules;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The part of {@link TokenStoreContract} about the saving rules: merging, updating by each key, refusing tokenless
 * and duplicate records, refusing what not every store can keep ({@link TokenRules#requireWellFormed}: expiry
 * times outside {@link TokenRules#EARLIEST_EXPIRY}..{@link TokenRules#LATEST_EXPIRY}, unpaired UTF-16
 * surrogates), failed saves changing nothing; the contract's {@code @Nested} class {@code Saving} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class SavingContract extends ContractGroup {
  SavingContract(TokenStoreContract contract) {
    super(contract);
  }

  @Test
  void aBulkSaveIsLikeSavingOneByOneInOrder() throws Exception {
    OAuthToken existing = store.saveToken(fullToken("old@example.com"));
    List<OAuthToken> saved = store.saveTokens(List.of(
        fullToken("b1@example.com"),
        OAuthToken.builder().userName("old@example.com").accessToken("bulk-access").build(),
        fullToken("b2@example.com"),
        OAuthToken.builder().userName("b1@example.com").refreshToken("bulk-rotated").build()));
    assertThat(saved).hasSize(4);
    assertThat(saved.get(1).id()).as("merged into the stored record").isEqualTo(existing.id());
    assertThat(saved.get(1).refreshToken()).isEqualTo(existing.refreshToken());
    assertThat(saved.get(3).id()).as("a later token sees an earlier one").isEqualTo(saved.get(0).id());
    assertThat(List.of(idOf(saved.get(0)), idOf(saved.get(2)), idOf(existing))).doesNotHaveDuplicates();
    TokenStore other = persistent() ? open() : store; // another handle on the same storage, where there is one
    assertThat(other.getTokens()).hasSize(3);
    assertThat(other.findToken(OAuthToken.builder().userName("b1@example.com").build()))
        .hasValueSatisfying(t -> assertThat(t.refreshToken()).isEqualTo("bulk-rotated"));
    assertThat(other.findToken(OAuthToken.builder().userName("old@example.com").build()))
        .hasValueSatisfying(t -> assertThat(t.accessToken()).isEqualTo("bulk-access"));
    assertThat(store.saveTokens(List.of())).isEmpty();
  }

  @Test
  void aBulkSaveWithATokenlessNewRecordFailsWithItsCode() {
    assertThatThrownBy(() -> store.saveTokens(List.of(fullToken("fine@example.com"),
        OAuthToken.builder().userName("nothing@example.com").build())))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThat(store.findToken(OAuthToken.builder().userName("nothing@example.com").build())).isEmpty();
  }

  @Test
  void saveMergesFieldsSetOverStoredOnes() {
    OAuthToken first = store.saveToken(fullToken("a@example.com"));
    Instant later = Instant.ofEpochMilli(1_950_000_000_000L);
    OAuthToken update = OAuthToken.builder().userName("a@example.com").clientId("1000.CLIENT")
        .accessToken("new-access").expiresAt(later).build();
    OAuthToken saved = store.saveToken(update);
    assertThat(saved.id()).isEqualTo(first.id());
    assertThat(saved).isEqualTo(first.toBuilder().accessToken("new-access").expiresAt(later).build());
    assertThat(store.findTokenById(idOf(first))).contains(saved);
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
        .isInstanceOf(StoreException.class)
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
        .isInstanceOf(StoreException.class)
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
        .isInstanceOf(StoreException.class);
    assertThat(store.getTokens()).containsExactlyInAnyOrder(a, b);
  }

  // ------------------------------------------------------------------------------ what no store can keep

  static Stream<Instant> outOfRangeExpiries() {
    return Stream.of(Instant.MAX, Instant.MIN, TokenRules.LATEST_EXPIRY.plusMillis(1),
        TokenRules.EARLIEST_EXPIRY.minusMillis(1));
  }

  @ParameterizedTest
  @MethodSource("outOfRangeExpiries")
  void anExpiryOutsideTheEpochMillisecondRangeIsRefusedAndNothingChanges(Instant expiry) {
    OAuthToken a = store.saveToken(fullToken("a@example.com"));
    assertRefused(() -> store.saveToken(fullToken("b@example.com").toBuilder().expiresAt(expiry).build()),
        "expiry");
    assertRefused(() -> store.saveToken(OAuthToken.builder().id(a.id()).accessToken("new-access")
        .expiresAt(expiry).build()), "expiry");
    assertThat(store.getTokens()).containsExactly(a);
  }

  @ParameterizedTest
  @MethodSource("outOfRangeExpiries")
  void anIssueTimeOutsideTheEpochMillisecondRangeIsRefusedAndNothingChanges(Instant issued) {
    OAuthToken a = store.saveToken(fullToken("a@example.com"));
    assertRefused(() -> store.saveToken(fullToken("b@example.com").toBuilder().issuedAt(issued).build()),
        "issue time");
    assertRefused(() -> store.saveToken(OAuthToken.builder().id(a.id()).accessToken("new-access")
        .issuedAt(issued).build()), "issue time");
    assertThat(store.getTokens()).containsExactly(a);
  }

  @Test
  void theEarliestAndLatestExpiryAreKept() {
    OAuthToken latest = store.saveToken(fullToken("a@example.com").toBuilder()
        .expiresAt(TokenRules.LATEST_EXPIRY).build());
    OAuthToken earliest = store.saveToken(fullToken("b@example.com").toBuilder()
        .expiresAt(TokenRules.EARLIEST_EXPIRY).build());
    assertThat(store.findTokenById(idOf(latest)).orElseThrow().expiresAt()).isEqualTo(TokenRules.LATEST_EXPIRY);
    assertThat(store.findTokenById(idOf(earliest)).orElseThrow().expiresAt())
        .isEqualTo(TokenRules.EARLIEST_EXPIRY);
  }

  /** Each string field with a setter that puts a value into it. */
  static List<Arguments> stringFields() {
    List<Arguments> out = new java.util.ArrayList<>();
    List<BiFunction<OAuthToken.Builder, String, OAuthToken.Builder>> setters = List.of(
        OAuthToken.Builder::userName, OAuthToken.Builder::clientId, OAuthToken.Builder::clientSecret,
        OAuthToken.Builder::refreshToken, OAuthToken.Builder::accessToken, OAuthToken.Builder::grantToken,
        OAuthToken.Builder::redirectUrl, OAuthToken.Builder::apiDomain);
    List<String> names = List.of("user name", "client id", "client secret", "refresh token", "access token",
        "grant token", "redirect URL", "API domain");
    for (int i = 0; i < setters.size(); i++) {
      for (String bad : List.of("lone-high-\uD83D-SECRETVALUE", "lone-low-\uDE42-SECRETVALUE",
          "reversed-\uDE42\uD83D-SECRETVALUE", "ends-high-SECRETVALUE\uD83D")) {
        out.add(Arguments.of(names.get(i), setters.get(i), bad));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("stringFields")
  void anUnpairedSurrogateInAnyFieldIsRefusedAndNothingChanges(
      String field, BiFunction<OAuthToken.Builder, String, OAuthToken.Builder> set, String bad) {
    OAuthToken a = store.saveToken(fullToken("a@example.com"));
    // a new record (a user name of its own, so that it cannot mean a's record) and an update of a by id
    assertRefused(() -> store.saveToken(set.apply(fullToken("b@example.com").toBuilder(), bad).build()), field);
    assertRefused(() -> store.saveToken(set.apply(OAuthToken.builder().id(a.id()), bad).build()), field);
    assertThat(store.getTokens()).containsExactly(a);
  }

  @Test
  void anUnpairedSurrogateInTheIdIsRefused() {
    assertRefused(() -> store.saveToken(fullToken("a@example.com").toBuilder().id("7\uD800").build()), "id");
    assertThat(store.getTokens()).isEmpty();
  }

  @Test
  void wellFormedSurrogatePairsAreKept() {
    OAuthToken t = fullToken("emoji-\uD83D\uDE42@example.com").toBuilder().accessToken("at-\uD83D\uDE42").build();
    OAuthToken saved = store.saveToken(t);
    assertThat(store.findTokenById(idOf(saved))).contains(saved);
    assertThat(saved.userName()).isEqualTo("emoji-\uD83D\uDE42@example.com");
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable save, String field) {
    assertThatThrownBy(save)
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining(field)
        .hasMessageNotContaining("SECRETVALUE");
  }
}
