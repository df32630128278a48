package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.codeOf;
import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about the seed's matching rules, one by one, and that users are never
 * mixed; the contract's {@code @Nested} class {@code Matching} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class MatchingContract extends ContractGroup {
  MatchingContract(TokenStoreContract contract) {
    super(contract);
  }

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
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.AMBIGUOUS_MATCH))
        .hasMessageContaining("a@example.com")
        .hasMessageNotContaining("secret-access-xyz");
    assertThatThrownBy(() -> store.saveToken(query))
        .isInstanceOf(StoreException.class)
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
