package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages.Filter;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about {@link TokenPages}: keyset pages in id order that visit every record
 * once, the filters (user name, part of it, client id, status) and the counts by status, all against what
 * {@code getTokens()} holds; the contract's {@code @Nested} class {@code Paging} runs it. A store without its own
 * paging is tested through {@link TokenPages#of}'s fallback.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class PagingContract extends ContractGroup {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  PagingContract(TokenStoreContract contract) {
    super(contract);
  }

  private TokenPages pages() {
    return TokenPages.of(store);
  }

  /** Every page of {@code filter}, {@code limit} records at a time. */
  private List<OAuthToken> allPages(Filter filter, int limit) {
    List<OAuthToken> out = new ArrayList<>();
    String after = null;
    for (int guard = 0; guard < 1000; guard++) {
      List<OAuthToken> page = pages().page(filter, after, limit, NOW);
      assertThat(page.size()).isLessThanOrEqualTo(limit);
      out.addAll(page);
      if (page.size() < limit) {
        return out;
      }
      after = idOf(page.get(page.size() - 1));
    }
    throw new AssertionError("paging did not end");
  }

  private List<OAuthToken> expected(Filter filter) {
    return store.getTokens().stream().filter(t -> filter.matches(t, NOW)).toList();
  }

  private static OAuthToken token(String user, String client, Instant expires, Duration lifetime,
      boolean access, boolean refresh, boolean grant) {
    return OAuthToken.builder().userName(user).clientId(client).clientSecret("s-" + user)
        .accessToken(access ? "1000.access." + user : null)
        .refreshToken(refresh ? "1000.refresh." + user : null)
        .grantToken(grant ? "1000.grant." + user : null)
        .expiresAt(expires).issuedAt(expires.minus(lifetime))
        .apiDomain("https://www.zohoapis.com").build();
  }

  /** Records of every status, including the two sides of a short-lived token's half-lifetime window. */
  private void saveMixed() {
    Duration hour = Duration.ofHours(1);
    List<OAuthToken> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(token("valid" + i + "@Example.com", "1000.A", NOW.plus(Duration.ofMinutes(30 + i)), hour, true, true,
          false));
    }
    // expires in 3 minutes: a one-hour token is due (expiring); a four-minute one is not (window 2 min: valid)
    all.add(token("expiring@example.com", "1000.B", NOW.plus(Duration.ofMinutes(3)), hour, true, true, false));
    all.add(token("short@example.com", "1000.B", NOW.plus(Duration.ofMinutes(3)), Duration.ofMinutes(4), true,
        true, false));
    all.add(token("expired@example.com", "1000.A", NOW.minus(Duration.ofMinutes(1)), hour, true, true, false));
    all.add(token("norefresh@example.com", "1000.A", NOW.minus(Duration.ofDays(3)), hour, false, true, false));
    all.add(token("grant@example.com", "1000.B", NOW.minus(Duration.ofDays(3)), hour, false, false, true));
    all.add(token("gone@example.com", "1000.A", NOW.minus(Duration.ofDays(3)), hour, true, false, false));
    all.add(OAuthToken.builder().userName("noexpiry@example.com").clientId("1000.A").accessToken("1000.access.ne")
        .build());
    for (OAuthToken t : all) {
      store.saveToken(t);
    }
  }

  @Test
  void pagesVisitEveryRecordOnceInIdOrder() {
    for (int i = 0; i < 23; i++) {
      store.saveToken(fullToken("user" + i + "@example.com"));
    }
    List<OAuthToken> all = store.getTokens();
    assertThat(allPages(Filter.ALL, 5)).containsExactlyElementsOf(all);
    assertThat(allPages(Filter.ALL, 23)).containsExactlyElementsOf(all);
    assertThat(allPages(Filter.ALL, TokenPages.MAX_LIMIT)).containsExactlyElementsOf(all);
    assertThat(pages().page(Filter.ALL, idOf(all.get(all.size() - 1)), 5, NOW)).isEmpty();
    assertThat(pages().page(Filter.ALL, idOf(all.get(9)), 3, NOW)).containsExactlyElementsOf(all.subList(10, 13));
  }

  @Test
  void aPageAfterADeletedRecordStartsWithTheNextOne() {
    List<OAuthToken> saved = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      saved.add(store.saveToken(fullToken("user" + i + "@example.com")));
    }
    List<OAuthToken> first = pages().page(Filter.ALL, null, 4, NOW);
    assertThat(store.deleteToken(idOf(first.get(3)))).isTrue();
    assertThat(store.deleteToken(idOf(saved.get(4)))).isTrue();
    List<OAuthToken> next = pages().page(Filter.ALL, idOf(first.get(3)), 4, NOW);
    assertThat(next).containsExactlyElementsOf(store.getTokens().subList(3, 7));
    assertThat(next).doesNotContain(saved.get(4));
  }

  @Test
  void filtersMatchTheRule() {
    saveMixed();
    List<Filter> filters = new ArrayList<>();
    filters.add(new Filter("short@example.com", null, null, null));
    filters.add(new Filter(null, "VALID", null, null));
    filters.add(new Filter(null, "@example.COM", "1000.B", null));
    filters.add(new Filter(null, null, "1000.A", null));
    filters.add(new Filter(null, "", null, null));
    for (TokenStatus st : TokenStatus.values()) {
      filters.add(new Filter(null, null, null, st));
      filters.add(new Filter(null, "example", "1000.A", st));
    }
    for (Filter f : filters) {
      assertThat(allPages(f, 2)).as("pages of %s", f).containsExactlyElementsOf(expected(f));
    }
    assertThat(allPages(new Filter(null, null, null, TokenStatus.VALID), 3)).extracting(OAuthToken::userName)
        .contains("short@example.com", "noexpiry@example.com", "valid0@Example.com")
        .doesNotContain("expiring@example.com");
    assertThat(allPages(new Filter(null, null, null, TokenStatus.EXPIRING), 3)).extracting(OAuthToken::userName)
        .containsExactly("expiring@example.com");
  }

  @Test
  void partOfAUserNameIsTextNotAPattern() {
    OAuthToken odd = store.saveToken(fullToken("a_b%c!d@example.com"));
    store.saveToken(fullToken("axbycxd@example.com"));
    store.saveToken(fullToken("' OR '1'='1"));
    assertThat(allPages(new Filter(null, "_B%C!", null, null), 10)).containsExactly(odd);
    assertThat(allPages(new Filter(null, "' or 1=1; --", null, null), 10)).isEmpty();
    assertThat(allPages(new Filter(null, "%", null, null), 10)).containsExactly(odd);
    assertThat(allPages(new Filter(null, "ÉXAMPLE", null, null), 10)).as("only ASCII ignores case").isEmpty();
    assertThat(store.getTokens()).hasSize(3);
  }

  @Test
  void countsByStatusMatchTheRecords() {
    saveMixed();
    Map<TokenStatus, Long> counts = pages().countByStatus(Filter.ALL, NOW);
    assertThat(counts).containsEntry(TokenStatus.VALID, 8L).containsEntry(TokenStatus.EXPIRING, 1L)
        .containsEntry(TokenStatus.EXPIRED, 2L).containsEntry(TokenStatus.NOT_EXCHANGED, 1L)
        .containsEntry(TokenStatus.REAUTHORIZATION_REQUIRED, 1L);
    Filter ofA = new Filter(null, "EXAMPLE", "1000.A", TokenStatus.EXPIRED);
    Map<TokenStatus, Long> ofClient = pages().countByStatus(ofA, NOW);
    for (TokenStatus st : TokenStatus.values()) {
      assertThat(ofClient.get(st)).as("count of %s", st).isEqualTo((long) expected(ofA.withStatus(st)).size());
    }
    assertThat(pages().countByStatus(Filter.ALL, NOW.plus(Duration.ofDays(30))))
        .containsEntry(TokenStatus.VALID, 1L).containsEntry(TokenStatus.EXPIRED, 10L);
  }

  @Test
  void anEmptyStoreHasNoPagesAndZeroCounts() {
    assertThat(pages().page(Filter.ALL, null, 10, NOW)).isEmpty();
    assertThat(pages().page(Filter.ALL, "12345", 10, NOW)).isEmpty();
    assertThat(pages().page(Filter.ALL, "not-a-number", 10, NOW)).isEmpty();
    assertThat(pages().countByStatus(Filter.ALL, NOW)).hasSize(TokenStatus.values().length).containsValue(0L)
        .doesNotContainValue(1L);
  }

  @Test
  void aPageHoldsOneToTenThousandRecords() {
    for (int limit : new int[] {0, -1, TokenPages.MAX_LIMIT + 1}) {
      assertThatThrownBy(() -> pages().page(Filter.ALL, null, limit, NOW))
          .isInstanceOfSatisfying(TokenstoreException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }
}
