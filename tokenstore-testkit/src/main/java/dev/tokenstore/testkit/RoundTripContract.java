package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static dev.tokenstore.testkit.TokenStoreContract.withoutId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about saving a token and reading it back: all ten fields and the issue
 * time (which stays with the expiry it came with), ids, order; the
 * contract's {@code @Nested} class {@code RoundTrip} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class RoundTripContract extends ContractGroup {
  RoundTripContract(TokenStoreContract contract) {
    super(contract);
  }

  @Test
  void allTenFieldsRoundTrip() {
    OAuthToken saved = store.saveToken(fullToken("alice@example.com"));
    assertThat(saved.id()).as("a new record gets a numeric id").matches("[0-9]+");
    assertThat(withoutId(saved)).isEqualTo(fullToken("alice@example.com"));
    assertThat(store.findTokenById(idOf(saved))).contains(saved);
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
    assertThat(store.findTokenById(idOf(saved)).orElseThrow().expiresAt())
        .isEqualTo(Instant.parse("2031-05-06T07:08:09.123Z"));
  }

  @Test
  void issueTimeRoundTripsBesideZohosTenFields() throws Exception {
    Instant issued = Instant.parse("2030-03-04T05:06:07.891234Z");
    OAuthToken token = fullToken("ivy@example.com").toBuilder().issuedAt(issued).build();
    OAuthToken saved = store.saveToken(token);
    assertThat(saved.issuedAt()).as("kept with millisecond precision")
        .isEqualTo(Instant.parse("2030-03-04T05:06:07.891Z"));
    assertThat(withoutId(saved)).isEqualTo(token);
    assertThat(store.findTokenById(idOf(saved))).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().userName("ivy@example.com").build())).contains(saved);
    assertThat(store.getTokens()).containsExactly(saved);
    OAuthToken other = store.saveToken(fullToken("jon@example.com"));
    assertThat(other.issuedAt()).as("a token without an issue time has none").isNull();
    if (persistent()) {
      store.close();
      TokenStore reopened = open();
      assertThat(reopened.findTokenById(idOf(saved))).as("reopening keeps the issue time").contains(saved);
      assertThat(reopened.findTokenById(idOf(other))).contains(other);
    }
  }

  @Test
  void issueTimeGoesWithTheExpiryItCameWith() {
    Instant issued = Instant.ofEpochMilli(1_899_996_400_123L);
    OAuthToken saved = store.saveToken(fullToken("kim@example.com").toBuilder().issuedAt(issued).build());
    String id = idOf(saved);

    OAuthToken renamed = store.saveToken(OAuthToken.builder().id(id).redirectUrl("https://other.example.com/cb")
        .build());
    assertThat(renamed.issuedAt()).as("an update without an expiry keeps the issue time").isEqualTo(issued);

    Instant later = issued.plusSeconds(3600);
    OAuthToken refreshed = store.saveToken(OAuthToken.builder().id(id).accessToken("1000.access.new")
        .expiresAt(later.plusSeconds(30)).issuedAt(later).build());
    assertThat(refreshed.issuedAt()).isEqualTo(later);
    assertThat(store.findTokenById(id).orElseThrow().issuedAt()).isEqualTo(later);

    OAuthToken foreign = store.saveToken(OAuthToken.builder().id(id).expiresAt(later.plusSeconds(60)).build());
    assertThat(foreign.issuedAt()).as("a new expiry without an issue time clears the old one").isNull();
    assertThat(store.findTokenById(id)).contains(foreign);
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
