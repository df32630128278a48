package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, "the swap test; wrong key, missing key, tampered value", on every store: records saved through
 * {@code EncryptedTokenStore}, the store closed, the raw storage edited WITHOUT the library ({@link RawStore}:
 * plain SQL {@code UPDATE}, Redis {@code HSET}, the CSV file edited and saved), the store opened again.
 * <ul>
 *   <li>a secret copied from another record (one user's refresh token ciphertext into another's record; all four
 *       secrets; two records' seals swapped), a user name, client id or API domain changed by hand:
 *       {@link ErrorCode#RECORD_MISMATCH} for that record, by id and by user name, and no token handed out;
 *   <li>a token ciphertext with one character flipped, cut short or not base64: {@link ErrorCode#DECRYPTION_FAILED};
 *   <li>the store read with another keyring (or with the old key retired too early):
 *       {@link ErrorCode#UNKNOWN_KEY} naming the key id, and a save over such a record changes nothing; the same
 *       store opened without a keyring ({@code TokenStores.open}): {@link ErrorCode#ENCRYPTED_STORE};
 *   <li>a plaintext record planted in the encrypted store, or one plain token in a sealed record:
 *       {@link ErrorCode#NOT_ENCRYPTED}; {@code rekey(encryptPlaintext)} encrypts the planted record and refuses
 *       the sealed one it cannot verify.
 * </ul>
 * Every record not touched still reads, by id, user name and token, with its own tokens. No error message holds a
 * secret.
 */
class EncryptedTamperingTest {
  private static final String CLIENT = "1000.TAMPER";
  private static final String DOMAIN = "https://www.zohoapis.com";

  @TempDir Path dir;

  private final Keyring keyring = Keyring.generate(Clock.systemUTC());
  private final KeyProvider keys = KeyProviders.fixed(keyring);

  /** A full token for {@code user}; every secret carries the test-output scan's marker. */
  private static OAuthToken token(String user) {
    String u = user.substring(0, user.indexOf('@'));
    return OAuthToken.builder().userName(user).clientId(CLIENT).clientSecret("cs-SECRET-" + u)
        .refreshToken("1000.rt-SECRET-" + u).accessToken("1000.at-SECRET-" + u).grantToken("1000.gt-SECRET-" + u)
        .expiresAt(Instant.ofEpochMilli(1_900_000_000_000L)).redirectUrl("https://app.example.com/cb")
        .apiDomain(DOMAIN).build();
  }

  /** Saves a token for each user through the encrypted store and closes it; the saved records by user name. */
  private Map<String, OAuthToken> seed(RawStore raw, String... users) {
    Map<String, OAuthToken> saved = new LinkedHashMap<>();
    try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
      for (String user : users) {
        saved.put(user, store.saveToken(token(user)));
      }
    }
    return saved;
  }

  private static String id(OAuthToken t) {
    return Objects.requireNonNull(t.id());
  }

  /** {@code read} fails with {@code code}, naming no secret. */
  private static StoreException refused(ErrorCode code, Function<TokenStore, ?> read, TokenStore store) {
    Throwable t = catchThrowable(() -> read.apply(store));
    assertThat(t).as("expected " + code).isInstanceOf(StoreException.class);
    StoreException e = (StoreException) t;
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.getMessage()).doesNotContain("SECRET");
    return e;
  }

  /** The record of {@code id} is refused with {@code code} by id and by user name, and listing hands it out never. */
  private static void recordRefused(TokenStore store, OAuthToken saved, ErrorCode code) {
    StoreException e = refused(code, s -> s.findTokenById(id(saved)), store);
    assertThat(e.getMessage()).contains("record " + saved.id());
    refused(code, s -> s.findToken(OAuthToken.builder().userName(saved.userName()).clientId(CLIENT).build()), store);
    Throwable listing = catchThrowable(store::getTokens);
    assertThat(listing).as("listing the store hands out no refused record").isInstanceOf(StoreException.class);
    assertThat(((StoreException) listing).code()).isIn(ErrorCode.RECORD_MISMATCH, ErrorCode.DECRYPTION_FAILED,
        ErrorCode.NOT_ENCRYPTED, ErrorCode.UNKNOWN_KEY);
  }

  /** The record still reads, by id, user name, refresh, access and grant token, exactly as saved. */
  private static void stillReads(TokenStore store, OAuthToken saved) {
    assertThat(store.findTokenById(id(saved))).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().userName(saved.userName()).clientId(CLIENT).build()))
        .contains(saved);
    assertThat(store.findToken(OAuthToken.builder().refreshToken(saved.refreshToken()).build())).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().accessToken(saved.accessToken()).build())).contains(saved);
    assertThat(store.findToken(OAuthToken.builder().grantToken(saved.grantToken()).build())).contains(saved);
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "mariadb", "postgresql", "redis"})
  void secretsCopiedBetweenRecordsAndNamesChangedByHandAreRecordMismatch(String kind) {
    try (RawStore raw = RawStore.create(kind, dir)) {
      Map<String, OAuthToken> s = seed(raw, "alice@example.com", "bob@example.com", "carol@example.com",
          "dave@example.com", "erin@example.com", "frank@example.com", "grace@example.com", "henry@example.com",
          "ivan@example.com");
      OAuthToken alice = s.get("alice@example.com");
      OAuthToken bob = s.get("bob@example.com");
      OAuthToken carol = s.get("carol@example.com");
      OAuthToken dave = s.get("dave@example.com");
      OAuthToken erin = s.get("erin@example.com");
      OAuthToken frank = s.get("frank@example.com");
      OAuthToken grace = s.get("grace@example.com");
      OAuthToken henry = s.get("henry@example.com");
      OAuthToken ivan = s.get("ivan@example.com");
      Map<String, @Nullable String> aliceRow = raw.record(id(alice));
      Map<String, @Nullable String> carolRow = raw.record(id(carol));
      Map<String, @Nullable String> daveRow = raw.record(id(dave));

      // someone with write access to the storage:
      raw.set(id(bob), "refresh_token", aliceRow.get("refresh_token")); // alice's refresh token into bob's record
      raw.set(id(carol), "client_secret", daveRow.get("client_secret")); // carol's and dave's seals swapped
      raw.set(id(dave), "client_secret", carolRow.get("client_secret"));
      for (String column : List.of("refresh_token", "access_token", "grant_token", "client_secret")) {
        raw.set(id(erin), column, aliceRow.get(column)); // all of alice's secrets, seal included, into erin's
      }
      raw.set(id(frank), "user_name", "mallory@example.com"); // a user name changed by hand
      raw.set(id(grace), "api_domain", "https://evil.example.com"); // the API domain changed by hand
      raw.set(id(henry), "client_id", "1000.OTHER"); // the client id changed by hand

      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
        recordRefused(store, bob, ErrorCode.RECORD_MISMATCH);
        recordRefused(store, carol, ErrorCode.RECORD_MISMATCH);
        recordRefused(store, dave, ErrorCode.RECORD_MISMATCH);
        recordRefused(store, erin, ErrorCode.RECORD_MISMATCH);
        refused(ErrorCode.RECORD_MISMATCH, st -> st.findTokenById(id(frank)), store);
        refused(ErrorCode.RECORD_MISMATCH, st -> st.findTokenById(id(grace)), store);
        refused(ErrorCode.RECORD_MISMATCH, st -> st.findTokenById(id(henry)), store);
        // by the changed user name: refused, or not found where the store's index still has the old name (Redis)
        Throwable renamed = catchThrowable(() -> assertThat(store.findToken(OAuthToken.builder()
            .userName("mallory@example.com").build())).isEmpty());
        if (renamed != null) {
          assertThat(renamed).isInstanceOf(StoreException.class);
          assertThat(((StoreException) renamed).code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
        }
        // a lookup by alice's refresh token, now also in bob's and erin's records, never hands out their records
        Throwable byToken = catchThrowable(() -> assertThat(store.findToken(OAuthToken.builder()
            .refreshToken(alice.refreshToken()).build())).contains(alice));
        if (byToken != null) {
          assertThat(byToken).isInstanceOf(StoreException.class);
          assertThat(((StoreException) byToken).code()).isIn(ErrorCode.RECORD_MISMATCH, ErrorCode.AMBIGUOUS_MATCH);
          assertThat(byToken.getMessage()).doesNotContain("SECRET");
        }
        // a save over a refused record is refused too, and writes nothing
        Map<String, @Nullable String> bobBefore = raw.record(id(bob));
        refused(ErrorCode.RECORD_MISMATCH, st -> st.saveToken(OAuthToken.builder().id(id(bob))
            .accessToken("1000.at-SECRET-new").build()), store);
        assertThat(raw.record(id(bob))).isEqualTo(bobBefore);

        // alice's record itself is intact (her tokens are now also in bob's and erin's records, so a lookup by
        // them is checked above); ivan's was not touched at all
        assertThat(store.findTokenById(id(alice))).contains(alice);
        assertThat(store.findToken(OAuthToken.builder().userName(alice.userName()).build())).contains(alice);
        stillReads(store, ivan);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "mariadb", "postgresql", "redis"})
  void tamperedOrTruncatedCiphertextIsDecryptionFailed(String kind) {
    try (RawStore raw = RawStore.create(kind, dir)) {
      Map<String, OAuthToken> s = seed(raw, "alice@example.com", "bob@example.com", "carol@example.com",
          "dave@example.com", "erin@example.com", "frank@example.com");
      OAuthToken alice = s.get("alice@example.com");
      OAuthToken bob = s.get("bob@example.com");
      OAuthToken carol = s.get("carol@example.com");
      OAuthToken dave = s.get("dave@example.com");
      OAuthToken erin = s.get("erin@example.com");
      OAuthToken frank = s.get("frank@example.com");

      raw.set(id(alice), "access_token", flipMiddle(raw.record(id(alice)).get("access_token")));
      String rt = Objects.requireNonNull(raw.record(id(bob)).get("refresh_token"));
      raw.set(id(bob), "refresh_token", rt.substring(0, rt.length() / 2 + 3)); // cut short
      raw.set(id(carol), "grant_token", "tse1.AQID"); // shorter than a key id
      raw.set(id(dave), "refresh_token", "tse1.!!not*base64!!");
      raw.set(id(erin), "client_secret", flipMiddle(raw.record(id(erin)).get("client_secret")));

      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
        recordRefused(store, alice, ErrorCode.DECRYPTION_FAILED);
        recordRefused(store, bob, ErrorCode.DECRYPTION_FAILED);
        recordRefused(store, carol, ErrorCode.DECRYPTION_FAILED);
        recordRefused(store, dave, ErrorCode.DECRYPTION_FAILED);
        // a damaged seal cannot be told from one that belongs to other content (AES-SIV authenticates both at
        // once): it is refused as a record whose secrets do not belong to it
        recordRefused(store, erin, ErrorCode.RECORD_MISMATCH);
        stillReads(store, frank);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "mariadb", "postgresql", "redis"})
  void anotherKeyringIsUnknownKeyAndNoKeyringIsEncryptedStore(String kind) {
    try (RawStore raw = RawStore.create(kind, dir)) {
      Map<String, OAuthToken> s = seed(raw, "alice@example.com", "bob@example.com");
      OAuthToken alice = s.get("alice@example.com");
      OAuthToken bob = s.get("bob@example.com");
      Map<String, @Nullable String> aliceBefore = raw.record(id(alice));
      String keyId = Long.toString(keyring.primaryKeyId());

      Keyring other = Keyring.generate(Clock.systemUTC());
      Keyring retiredTooEarly = keyring.rotate(Clock.systemUTC()).withoutKey(keyring.primaryKeyId());
      for (Keyring wrong : List.of(other, retiredTooEarly)) {
        try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), KeyProviders.fixed(wrong))) {
          StoreException e = refused(ErrorCode.UNKNOWN_KEY, st -> st.findTokenById(id(alice)), store);
          assertThat(e.getMessage()).as("names the key id").contains("key " + keyId);
          refused(ErrorCode.UNKNOWN_KEY, st -> st.findToken(OAuthToken.builder().userName(alice.userName())
              .build()), store);
          refused(ErrorCode.UNKNOWN_KEY, TokenStore::getTokens, store);
          // lookups by token encrypt the query with the keys at hand: another key's ciphertext is not found
          assertThat(store.findToken(OAuthToken.builder().refreshToken(alice.refreshToken()).build())).isEmpty();
          // a save over the record is refused and writes nothing
          refused(ErrorCode.UNKNOWN_KEY, st -> st.saveToken(OAuthToken.builder().userName(alice.userName())
              .clientId(CLIENT).apiDomain(DOMAIN).accessToken("1000.at-SECRET-overwrite").build()), store);
          assertThat(raw.record(id(alice))).isEqualTo(aliceBefore);
        }
      }

      try (TokenStore plain = TokenStores.open(raw.uri())) {
        refused(ErrorCode.ENCRYPTED_STORE, st -> st.findTokenById(id(alice)), plain);
        refused(ErrorCode.ENCRYPTED_STORE, st -> st.findToken(OAuthToken.builder().userName(bob.userName())
            .build()), plain);
        refused(ErrorCode.ENCRYPTED_STORE, TokenStore::getTokens, plain);
      }

      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
        stillReads(store, alice);
        stillReads(store, bob);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "redis"})
  void aStoreOpenedWithoutTheKeyringWritesNoPlainTokenIntoAnEncryptedRecord(String kind) {
    try (RawStore raw = RawStore.create(kind, dir)) {
      OAuthToken alice = seed(raw, "alice@example.com").get("alice@example.com");
      Map<String, @Nullable String> before = raw.record(id(alice));
      try (TokenStore plain = TokenStores.open(raw.uri())) { // e.g. the CLI or an SDK without --keyring
        refused(ErrorCode.ENCRYPTED_STORE, st -> st.saveToken(OAuthToken.builder().userName(alice.userName())
            .clientId(CLIENT).apiDomain(DOMAIN).accessToken("1000.at-SECRET-written-in-plain").build()), plain);
        refused(ErrorCode.ENCRYPTED_STORE, st -> st.saveToken(OAuthToken.builder().id(id(alice))
            .refreshToken("1000.rt-SECRET-written-in-plain").build()), plain);
      }
      assertThat(raw.record(id(alice))).as("the encrypted record, unchanged").isEqualTo(before);
      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
        stillReads(store, alice);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "mariadb", "postgresql", "redis"})
  void aPlaintextRecordInAnEncryptedStoreIsNotEncrypted(String kind) {
    try (RawStore raw = RawStore.create(kind, dir)) {
      Map<String, OAuthToken> s = seed(raw, "alice@example.com", "bob@example.com");
      OAuthToken alice = s.get("alice@example.com");
      OAuthToken bob = s.get("bob@example.com");
      OAuthToken planted;
      try (TokenStore plain = TokenStores.open(raw.uri())) { // a program without the keyring writes a record
        planted = plain.saveToken(token("planted@example.com"));
      }
      raw.set(id(bob), "access_token", "1000.at-SECRET-plain"); // one plain token in a sealed record

      try (EncryptedTokenStore store = EncryptedTokenStore.open(raw.uri(), keys)) {
        recordRefused(store, planted, ErrorCode.NOT_ENCRYPTED);
        recordRefused(store, bob, ErrorCode.NOT_ENCRYPTED);
        stillReads(store, alice);
        EncryptedTokenStore.KeyUsage usage = store.keyUsage();
        assertThat(usage.plaintextRecords()).isEqualTo(2);
        assertThat(usage.records()).isEqualTo(3);

        // the way in: rekey encrypts the plain record; the sealed one with a plain token it cannot verify
        EncryptedTokenStore.RekeyReport report = store.rekey(true, (done, total) -> {});
        assertThat(report.reencrypted()).isEqualTo(1);
        assertThat(report.failed()).containsOnlyKeys(id(bob));
        assertThat(report.failed().get(id(bob)).code()).isEqualTo(ErrorCode.NOT_ENCRYPTED);
        stillReads(store, planted);
        assertThat(raw.record(id(planted)).get("access_token")).startsWith("tse1.");
        assertThat(store.keyUsage().plaintextRecords()).isEqualTo(1);
      }
    }
  }

  /** {@code value} with a character in the middle of its base64 part replaced (every bit there counts). */
  private static String flipMiddle(@Nullable String value) {
    assertThat(value).startsWith("tse1.");
    int i = "tse1.".length() + (value.length() - "tse1.".length()) / 2;
    char c = value.charAt(i);
    return value.substring(0, i) + (c == 'A' ? 'B' : 'A') + value.substring(i + 1);
  }
}
