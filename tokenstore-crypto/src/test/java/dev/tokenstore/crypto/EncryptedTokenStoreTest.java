package dev.tokenstore.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.spi.ForwardingTokenStore;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EncryptedValues;
import dev.tokenstore.spi.EntryTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EncryptedTokenStore} over the file store (Zoho's CSV): what lands on disk, lookups under every key, the
 * seal, damaged records, rotation and re-encryption, and concurrent writers through separate store instances (as
 * separate processes would be).
 */
class EncryptedTokenStoreTest {
  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();
  private Path file;
  private String uri;
  private KeyringFile keys;
  private final List<TokenStore> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    file = dir.resolve("sdk_tokens.txt");
    uri = "file:" + file;
    keys = KeyringFile.create(dir.resolve("keys").resolve("tokens.keyring"), Keyring.generate(clock));
  }

  @AfterEach
  void close() {
    opened.forEach(TokenStore::close);
  }

  private EncryptedTokenStore encrypted() {
    EncryptedTokenStore s = EncryptedTokenStore.open(uri, keys);
    opened.add(s);
    return s;
  }

  private TokenStore raw() {
    TokenStore s = EncryptedValues.withoutCheck(TokenStores.open(uri));
    opened.add(s);
    return s;
  }

  private static OAuthToken token(String user, String suffix) {
    return OAuthToken.builder().userName(user).clientId("1000.CLIENT").clientSecret("secret-" + suffix)
        .refreshToken("1000.refresh." + suffix).accessToken("1000.access." + suffix).grantToken("1000.grant." + suffix)
        .expiresAt(Instant.parse("2031-01-01T00:00:00Z")).redirectUrl("https://app.example.com/cb")
        .apiDomain("https://www.zohoapis.com").build();
  }

  private static ErrorCode codeOf(Throwable t) {
    return ((TokenstoreException) t).code();
  }

  private static void assertFails(ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call).isInstanceOf(TokenstoreException.class).satisfies(e -> {
      assertThat(codeOf(e)).as(e.getMessage()).isEqualTo(code);
      assertThat(e.getMessage()).doesNotContain("1000.refresh.", "1000.access.", "secret-");
    });
  }

  @Test
  void theFileHoldsNoSecretButTheUserNamesAndEveryLookupStillWorks() throws Exception {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    store.saveToken(token("b@example.com", "bbbbbbbb"));

    String csv = Files.readString(file, UTF_8);
    assertThat(csv).contains("a@example.com", "b@example.com", EncryptedValues.PREFIX)
        .doesNotContain("aaaaaaaa", "bbbbbbbb", "secret-");

    assertThat(store.findToken(OAuthToken.builder().accessToken("1000.access.aaaaaaaa").build()))
        .contains(a);
    assertThat(store.findToken(OAuthToken.builder().refreshToken("1000.refresh.aaaaaaaa").clientId("1000.CLIENT")
        .build())).contains(a);
    assertThat(store.findToken(OAuthToken.builder().grantToken("1000.grant.aaaaaaaa").build())).contains(a);
    assertThat(store.findToken(OAuthToken.builder().userName("a@example.com").build())).contains(a);
    assertThat(store.findTokenById(a.id())).contains(a);
    assertThat(a.clientSecret()).isEqualTo("secret-aaaaaaaa");
  }

  @Test
  void aRecordWithoutClientSecretKeepsNoneAndAPartialSaveMerges() {
    EncryptedTokenStore store = encrypted();
    OAuthToken saved = store.saveToken(OAuthToken.builder().refreshToken("1000.r.only").build());
    assertThat(saved.clientSecret()).isNull();
    OAuthToken named = store.saveToken(OAuthToken.builder().id(saved.id()).userName("n@example.com").build());
    assertThat(named.refreshToken()).isEqualTo("1000.r.only");
    assertThat(named.userName()).isEqualTo("n@example.com");
    assertThat(encrypted().findToken(OAuthToken.builder().userName("n@example.com").build())).contains(named);
  }

  /** Alters one character of the stored access token ciphertext of record {@code id}, as a disk fault would. */
  private void damageAccessToken(String id) {
    TokenStore raw = raw();
    String ct = raw.findTokenById(id).orElseThrow().accessToken();
    char last = ct.charAt(ct.length() - 1);
    raw.saveToken(OAuthToken.builder().id(id).accessToken(ct.substring(0, ct.length() - 1)
        + (last == 'A' ? 'B' : 'A')).build());
  }

  private static void assertListsTheDamagedRecordAmongTheGoodOnes(TokenPages pages, OAuthToken a, OAuthToken b,
      OAuthToken c) {
    Instant now = Instant.now();
    assertFails(() -> pages.page(TokenPages.Filter.ALL, null, 10, now), ErrorCode.DECRYPTION_FAILED);
    assertThat(pages.items(TokenPages.Filter.ALL, null, 10, now)).satisfiesExactly(
        ok -> assertThat(ok.token()).isEqualTo(a),
        bad -> {
          assertThat(bad.readable()).isFalse();
          assertThat(bad.id()).isEqualTo(b.id());
          assertThat(bad.userName()).isEqualTo("b@example.com");
          assertThat(bad.token()).isNull();
          assertThat(bad.error().code()).isEqualTo(ErrorCode.DECRYPTION_FAILED);
          assertThat(bad.error().getMessage()).contains(b.id()).doesNotContain("1000.access.", "secret-");
        },
        ok -> assertThat(ok.token()).isEqualTo(c));
    // keyset paging goes on past an unreadable item, and filters still apply to it
    assertThat(pages.items(TokenPages.Filter.ALL, a.id(), 1, now)).extracting(TokenPages.Item::id)
        .containsExactly(b.id());
    assertThat(pages.items(TokenPages.Filter.ALL, b.id(), 5, now)).extracting(TokenPages.Item::token)
        .containsExactly(c);
    assertThat(pages.items(new TokenPages.Filter("c@example.com", null, null, null), null, 5, now))
        .extracting(TokenPages.Item::token).containsExactly(c);
  }

  @Test
  void aDamagedRecordIsAnUnreadableItemOfItsPageAndTheOthersAreListed() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken b = store.saveToken(token("b@example.com", "bbbbbbbb"));
    OAuthToken c = store.saveToken(token("c@example.com", "cccccccc"));
    damageAccessToken(b.id());

    assertFails(store::getTokens, ErrorCode.DECRYPTION_FAILED); // never a half-read token
    assertListsTheDamagedRecordAmongTheGoodOnes(TokenPages.of(store), a, b, c);
  }

  @Test
  void overAStoreWithoutPagingTheEncryptedStoreStillListsItsDamagedRecords() {
    EncryptedTokenStore first = encrypted();
    OAuthToken a = first.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken b = first.saveToken(token("b@example.com", "bbbbbbbb"));
    OAuthToken c = first.saveToken(token("c@example.com", "cccccccc"));
    damageAccessToken(b.id());
    TokenStore noPaging = new ForwardingTokenStore(EncryptedValues.withoutCheck(TokenStores.open(uri))) {
      @Override
      public <T> Optional<T> capability(Class<T> type) {
        return type == TokenPages.class ? Optional.empty() : super.capability(type);
      }
    };
    EncryptedTokenStore store = EncryptedTokenStore.wrap(noPaging, keys);
    opened.add(store);
    assertThat(noPaging.capability(TokenPages.class)).isEmpty();

    assertListsTheDamagedRecordAmongTheGoodOnes(TokenPages.of(store), a, b, c);
  }

  /**
   * A seal that does not fit is read again over about 60 ms (a writer of another process may be sealing the record
   * again); a listing waits that once for all the records of its page, not once for each: a store whose records
   * were all copied under other ids (a restore gone wrong) must not take a minute a thousand records to list.
   */
  @Test
  void aPageOfRecordsWhoseSealDoesNotFitWaitsForWritersOnceNotOncePerRecord() {
    EncryptedTokenStore store = encrypted();
    List<Long> pauses = new ArrayList<>();
    store.pause = pauses::add;
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    List<OAuthToken> bad = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      bad.add(store.saveToken(token("b" + i + "@example.com", "bbbbbbb" + (char) ('a' + i))));
    }
    TokenStore raw = raw();
    String aSeal = raw.findTokenById(a.id()).orElseThrow().clientSecret();
    for (OAuthToken b : bad) {
      raw.saveToken(OAuthToken.builder().id(b.id()).clientSecret(aSeal).build());
    }

    List<TokenPages.Item> items = TokenPages.of(store).items(TokenPages.Filter.ALL, null, 100, Instant.now());
    assertThat(items).hasSize(21);
    assertThat(items.get(0).token()).isEqualTo(a);
    assertThat(items.subList(1, 21)).allSatisfy(i -> {
      assertThat(i.error().code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
      assertThat(i.error().getMessage()).doesNotContain("1000.refresh.", "1000.access.", "secret-");
    });
    assertThat(items.subList(1, 21)).extracting(TokenPages.Item::id)
        .containsExactlyElementsOf(bad.stream().map(OAuthToken::id).toList());
    // one wait of a page (1 + 2 + ... + 32 ms), where each record used to wait its own
    assertThat(pauses.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(63);
    // a single record read by id still waits for its writer
    pauses.clear();
    assertFails(() -> store.findTokenById(bad.get(0).id()), ErrorCode.RECORD_MISMATCH);
    assertThat(pauses.stream().mapToLong(Long::longValue).sum()).isEqualTo(63);
  }

  @Test
  void aRefreshTokenCopiedIntoAnotherUsersRecordIsRefusedAndTheOthersStillRead() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken b = store.saveToken(token("b@example.com", "bbbbbbbb"));
    TokenStore raw = raw();
    String aRefresh = raw.findTokenById(a.id()).orElseThrow().refreshToken();
    raw.saveToken(OAuthToken.builder().id(b.id()).refreshToken(aRefresh).build());

    assertFails(() -> store.findToken(OAuthToken.builder().userName("b@example.com").build()),
        ErrorCode.RECORD_MISMATCH);
    assertThat(store.checkRecords()).satisfiesExactly(
        ok -> assertThat(ok.token()).isEqualTo(a),
        bad -> {
          assertThat(bad.id()).isEqualTo(b.id());
          assertThat(bad.userName()).isEqualTo("b@example.com");
          assertThat(bad.token()).isNull();
          assertThat(bad.error().code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
        });
    assertFails(() -> store.findToken(OAuthToken.builder().refreshToken("1000.refresh.aaaaaaaa").build()),
        ErrorCode.AMBIGUOUS_MATCH);
    assertThat(store.findTokenById(a.id())).contains(a);
  }

  @Test
  void aWholeSealAndTokensCopiedUnderAnotherUserNameAreRefused() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken b = store.saveToken(token("b@example.com", "bbbbbbbb"));
    TokenStore raw = raw();
    OAuthToken ra = raw.findTokenById(a.id()).orElseThrow();
    raw.saveToken(ra.toBuilder().id(b.id()).userName("b@example.com").build());
    assertFails(() -> store.findTokenById(b.id()), ErrorCode.RECORD_MISMATCH);

    raw.saveToken(OAuthToken.builder().id(a.id()).userName("mallory@example.com").build());
    assertFails(() -> store.findToken(OAuthToken.builder().userName("mallory@example.com").build()),
        ErrorCode.RECORD_MISMATCH);
  }

  @Test
  void changedOrCutCiphertextFailsAuthenticationAndAPlainSecretIsNeverHandedOut() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    TokenStore raw = raw();
    String at = raw.findTokenById(a.id()).orElseThrow().accessToken();
    char last = at.charAt(at.length() - 1);
    raw.saveToken(OAuthToken.builder().id(a.id()).accessToken(at.substring(0, at.length() - 1)
        + (last == 'A' ? 'B' : 'A')).build());
    assertFails(() -> store.findTokenById(a.id()), ErrorCode.DECRYPTION_FAILED);
    raw.saveToken(OAuthToken.builder().id(a.id()).accessToken(at.substring(0, 12)).build());
    assertFails(() -> store.findTokenById(a.id()), ErrorCode.DECRYPTION_FAILED);
    raw.saveToken(OAuthToken.builder().id(a.id()).accessToken("1000.planted.in.clear").build());
    assertFails(() -> store.findTokenById(a.id()), ErrorCode.NOT_ENCRYPTED);
    assertFails(store::getTokens, ErrorCode.NOT_ENCRYPTED);
  }

  @Test
  void everyChangeOfTheLastCharacterFailsDecryptionEvenWhereItOnlyTouchesUnusedBits() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    TokenStore raw = raw();
    String at = raw.findTokenById(a.id()).orElseThrow().accessToken();
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (char c : alphabet.toCharArray()) {
      if (c == at.charAt(at.length() - 1)) {
        continue;
      }
      raw.saveToken(OAuthToken.builder().id(a.id()).accessToken(at.substring(0, at.length() - 1) + c).build());
      assertFails(() -> store.findTokenById(a.id()), ErrorCode.DECRYPTION_FAILED);
    }
  }

  @Test
  void anotherKeyringNamesTheUnknownKeyAndNoKeyringIsAnEncryptedStoreError() {
    OAuthToken a = encrypted().saveToken(token("a@example.com", "aaaaaaaa"));
    try (EncryptedTokenStore other = EncryptedTokenStore.open(uri, KeyProviders.fixed(Keyring.generate(clock)))) {
      assertThatThrownBy(() -> other.findTokenById(a.id()))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.UNKNOWN_KEY))
          .hasMessageContaining(Long.toString(keys.keyring().primaryKeyId()));
    }
    try (TokenStore plain = TokenStores.open(uri)) {
      assertFails(() -> plain.findTokenById(a.id()), ErrorCode.ENCRYPTED_STORE);
    }
  }

  @Test
  void afterRotationOldRecordsStillReadAndAreFoundByTokenNewWritesUseTheNewKeyAndRekeyMovesEveryRecord() {
    EncryptedTokenStore store = encrypted();
    for (int i = 0; i < 5; i++) {
      store.saveToken(token("u" + i + "@example.com", "token" + i + "xyz"));
    }
    long oldKey = keys.keyring().primaryKeyId();
    EncryptedTokenStore.KeyUsage before = store.keyUsage();
    assertThat(before.recordsUsing(oldKey)).isEqualTo(5);

    Keyring rotated = keys.update(k -> k.rotate(clock));
    long newKey = rotated.primaryKeyId();
    assertThat(newKey).isNotEqualTo(oldKey);
    // the running store sees the new key on its next write, without being reopened
    store.saveToken(OAuthToken.builder().userName("u0@example.com").accessToken("1000.access.new0").build());
    assertThat(store.keyUsage().recordsUsing(newKey)).isEqualTo(1);
    assertThat(store.findToken(OAuthToken.builder().refreshToken("1000.refresh.token3xyz").build()))
        .hasValueSatisfying(t -> assertThat(t.userName()).isEqualTo("u3@example.com"));

    assertFails(() -> store.retireKey(oldKey, keys), ErrorCode.KEY_IN_USE);
    List<Integer> progress = new ArrayList<>();
    EncryptedTokenStore.RekeyReport report = store.rekey(false, (done, total) -> progress.add(done));
    assertThat(report.records()).isEqualTo(5);
    assertThat(report.reencrypted()).isEqualTo(4);
    assertThat(report.unchanged()).isEqualTo(1);
    assertThat(report.failed()).isEmpty();
    assertThat(progress).containsExactly(1, 2, 3, 4, 5);
    assertThat(store.keyUsage().recordsUsing(oldKey)).isZero();
    assertFails(() -> store.retireKey(newKey, keys), ErrorCode.KEY_IN_USE);
    Keyring after = store.retireKey(oldKey, keys);
    assertThat(after.hasKey(oldKey)).isFalse();
    assertThat(encrypted().getTokens()).hasSize(5);
    assertThat(store.rekey(false, (d, t) -> {}).reencrypted()).isZero();
  }

  @Test
  void aRefreshsCompareAndSetComparesPlainTokensSoARecordReencryptedMeanwhileStillTakesIt() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    keys.update(k -> k.rotate(clock));
    store.rekey(false, (d, t) -> {});
    ConditionalSave cas = store.capability(ConditionalSave.class).orElseThrow();
    OAuthToken update = OAuthToken.builder().id(a.id()).accessToken("1000.access.next").build();
    assertThat(cas.saveTokenIf(a, update)).hasValueSatisfying(t ->
        assertThat(t.accessToken()).isEqualTo("1000.access.next"));
    assertThat(cas.saveTokenIf(a, update)).as("the stored token changed: refused").isEmpty();
  }

  /** Found in review: rekey sealed such a record as it was, and bob's record then handed out alice's tokens. */
  @Test
  void rekeyNeverSealsEncryptedTokensThatCameWithoutTheirSeal() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken b = store.saveToken(token("b@example.com", "bbbbbbbb"));
    TokenStore raw = raw();
    OAuthToken ra = raw.findTokenById(a.id()).orElseThrow();
    raw.saveToken(OAuthToken.builder().id(b.id()).refreshToken(ra.refreshToken()).accessToken(ra.accessToken())
        .clientSecret("plain-now").build());
    for (boolean encryptPlaintext : new boolean[] {false, true}) {
      EncryptedTokenStore.RekeyReport report = store.rekey(encryptPlaintext, (d, t) -> {});
      assertThat(report.failed()).containsOnlyKeys(b.id());
      assertThat(report.failed().get(b.id()).code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
    }
    assertFails(() -> store.findTokenById(b.id()), ErrorCode.RECORD_MISMATCH);
  }

  /**
   * Found in review: a token with an access and a refresh token (the plain rules look it up by access token) was
   * inserted, the wrapped store merged it into the record holding that refresh token, and that record was sealed
   * again as it was, a refresh token copied into it by hand included, with its client secret lost.
   */
  @Test
  void aSaveTheStoreMergesIntoAnotherRecordNeitherLosesItsSecretNorSealsATamperedOne() {
    EncryptedTokenStore store = encrypted();
    OAuthToken a = store.saveToken(token("a@example.com", "aaaaaaaa"));
    OAuthToken merged = store.saveToken(OAuthToken.builder().accessToken("1000.access.fresh")
        .refreshToken("1000.refresh.aaaaaaaa").build());
    assertThat(merged.id()).isEqualTo(a.id());
    assertThat(merged.clientSecret()).as("kept").isEqualTo("secret-aaaaaaaa");
    assertThat(merged.accessToken()).isEqualTo("1000.access.fresh");

    OAuthToken b = store.saveToken(token("b@example.com", "bbbbbbbb"));
    TokenStore raw = raw();
    String aRefresh = raw.findTokenById(a.id()).orElseThrow().refreshToken();
    raw.saveToken(OAuthToken.builder().id(b.id()).refreshToken(aRefresh).build()); // copied by hand
    assertFails(() -> store.saveToken(OAuthToken.builder().accessToken("1000.access.other")
        .refreshToken("1000.refresh.aaaaaaaa").build()), ErrorCode.AMBIGUOUS_MATCH);
    raw.saveToken(OAuthToken.builder().id(a.id()).refreshToken(EncryptedValues.PREFIX + "AQIDBAUGBwgJ").build());
    assertFails(() -> store.saveToken(OAuthToken.builder().accessToken("1000.access.other")
        .refreshToken("1000.refresh.aaaaaaaa").build()), ErrorCode.RECORD_MISMATCH);
    assertFails(() -> store.findTokenById(b.id()), ErrorCode.RECORD_MISMATCH);
  }

  @Test
  void anEncryptedStoreIsNotEncryptedTwice() {
    EncryptedTokenStore store = encrypted();
    assertFails(() -> EncryptedTokenStore.wrap(store, keys), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void plaintextRecordsAreEncryptedInPlaceOnlyWhenAsked() throws Exception {
    OAuthToken plain;
    try (TokenStore s = TokenStores.open(uri)) {
      plain = s.saveToken(token("p@example.com", "pppppppp"));
    }
    EncryptedTokenStore store = encrypted();
    assertThat(store.keyUsage().plaintextRecords()).isEqualTo(1);
    EncryptedTokenStore.RekeyReport refused = store.rekey(false, (d, t) -> {});
    assertThat(refused.failed()).containsOnlyKeys(plain.id());
    assertThat(refused.failed().get(plain.id()).code()).isEqualTo(ErrorCode.NOT_ENCRYPTED);
    assertThat(store.rekey(true, (d, t) -> {}).reencrypted()).isEqualTo(1);
    assertThat(store.findTokenById(plain.id())).contains(plain);
    assertThat(Files.readString(file, UTF_8)).doesNotContain("pppppppp");
  }

  /**
   * Two store instances (two processes would be the same) write different fields of one record at once; whatever
   * the wrapped store's merge keeps, every record still reads afterwards, with a seal that fits.
   */
  @Test
  void concurrentPartialSavesFromTwoInstancesNeverLeaveARecordThatDoesNotRead() throws Exception {
    EncryptedTokenStore one = encrypted();
    EncryptedTokenStore two = encrypted();
    OAuthToken base = one.saveToken(OAuthToken.builder().refreshToken("1000.refresh.shared").clientId("1000.C")
        .build());
    int threads = 8;
    int rounds = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int n = t;
      EncryptedTokenStore s = n % 2 == 0 ? one : two;
      futures.add(pool.submit(() -> {
        start.await();
        for (int r = 0; r < rounds; r++) {
          OAuthToken.Builder b = OAuthToken.builder().id(base.id());
          switch ((n + r) % 4) {
            case 0 -> b.accessToken("1000.access." + n + "." + r);
            case 1 -> b.grantToken("1000.grant." + n + "." + r);
            case 2 -> b.apiDomain("https://www.zohoapis." + (n % 3 == 0 ? "eu" : "com"));
            default -> b.userName("user" + (n % 2) + "@example.com").clientSecret("cs-" + n);
          }
          s.saveToken(b.build());
          s.findTokenById(base.id()).orElseThrow();
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdown();
    OAuthToken end = encrypted().findTokenById(base.id()).orElseThrow();
    assertThat(end.refreshToken()).isEqualTo("1000.refresh.shared");
    assertThat(end.accessToken()).startsWith("1000.access.");
  }

  /**
   * The entry table of the wrapped store survives the decorator (found through {@code capability}), and entries are
   * not encrypted: what a caller writes is what the plain store and the file hold, as {@code EntryTable} says.
   */
  @Test
  void theEntryTableOfTheWrappedStoreIsKeptAndItsEntriesAreNotEncrypted() throws Exception {
    EncryptedTokenStore store = encrypted();
    EntryTable entries = store.capability(EntryTable.class).orElseThrow();
    assertThat(entries).as("a view, not a store that could bypass the decorator").isNotInstanceOf(TokenStore.class);
    assertThat(entries.insert("api-key", "k1", "sha256:0011")).isTrue();
    store.saveToken(token("a@example.com", "a"));

    EntryTable plain = raw().capability(EntryTable.class).orElseThrow();
    assertThat(plain.get("api-key", "k1")).contains("sha256:0011");
    assertThat(plain.insert("api-key", "k1", "other")).isFalse();
    plain.put("api-key", "k2", "written past the keyring");
    assertThat(entries.get("api-key", "k2")).contains("written past the keyring");
    assertThat(Files.readString(file.resolveSibling("sdk_tokens.txt.entries"), UTF_8)).contains("sha256:0011")
        .doesNotContain(EncryptedValues.PREFIX);
    assertThat(store.getTokens()).hasSize(1);
    assertThat(EncryptedTokenStore.wrap(dev.tokenstore.memory.MemoryTokenStore.create(), keys)
        .capability(EntryTable.class)).isPresent();
  }
}
