package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.codeOf;
import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about the saving rules: merging, updating by each key, refusing tokenless
 * and duplicate records, failed saves changing nothing; the contract's {@code @Nested} class {@code Saving} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class SavingContract extends ContractGroup {
  SavingContract(TokenStoreContract contract) {
    super(contract);
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
}
