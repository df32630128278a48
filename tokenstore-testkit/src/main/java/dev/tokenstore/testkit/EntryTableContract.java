package dev.tokenstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.EntryTable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance kit for a store's {@link EntryTable} ({@code store.capability(EntryTable.class)}): round trips,
 * create-if-absent with exactly one winner, replace, remove, per-kind sorted listing, hostile names and values,
 * validation, survival of close and reopen, separation from the tokens, and 16 threads racing one insert. Extend it
 * and implement {@link #openStore()}:
 *
 * <pre>{@code
 * class MyStoreEntriesTest extends EntryTableContract {
 *   @Override protected TokenStore openStore() {
 *     return MyStore.open(tempDir.resolve("tokens"));
 *   }
 * }
 * }</pre>
 *
 * <p>As for {@link TokenStoreContract}: each test gets a new instance and a new {@link #tempDir}; within one test,
 * every call of {@link #openStore()} opens the same storage (another handle on it, as another process would), which
 * holds no entries of the kinds this kit uses ({@value #KIND}, {@value #OTHER_KIND}) and no tokens at the first
 * call. A store that keeps nothing after close overrides {@link #persistent()} to return false; each of its
 * handles is then storage of its own. The entry table is found through {@link TokenStore#capability(Class)}, so the
 * kit also runs on a decorated store, to prove that the decorator keeps it. The kit closes every store it opens.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
public abstract class EntryTableContract {
  /** The kind most tests use. */
  protected static final String KIND = "api-key";

  /** A second kind, to show that kinds are apart. */
  protected static final String OTHER_KIND = "kit.other_kind-2";

  /** A fresh folder for each test, for stores that keep files. */
  @TempDir protected Path tempDir;

  /** The store under test, opened before each test. */
  protected TokenStore store;

  /** Its entry table. */
  protected EntryTable entries;

  private final List<TokenStore> opened = new ArrayList<>();

  /** Opens a handle on the storage under test; it must offer {@link EntryTable}. See the class description. */
  protected abstract TokenStore openStore() throws Exception;

  /** Whether a closed and reopened store still holds the entries, and handles share them. True unless overridden. */
  protected boolean persistent() {
    return true;
  }

  @BeforeEach
  void openStoreUnderTest() throws Exception {
    store = open();
    entries = entriesOf(store);
    assertThat(entries.list(KIND)).as("a new store must hold no entries of kind " + KIND).isEmpty();
    assertThat(entries.list(OTHER_KIND)).as("a new store must hold no entries of kind " + OTHER_KIND).isEmpty();
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

  /** The entry table of {@code s}, which must have one. */
  protected static EntryTable entriesOf(TokenStore s) {
    Optional<EntryTable> table = s.capability(EntryTable.class);
    assertThat(table).as("capability(EntryTable.class) of " + s).isPresent();
    return table.orElseThrow();
  }

  // ---------------------------------------------------------------------------------------------------
  // Basic operations

  @Test
  @DisplayName("an entry that was never written is empty, of a known kind or not")
  void missingEntriesAreEmpty() {
    assertThat(entries.get(KIND, "nobody")).isEmpty();
    assertThat(entries.get("kit-never-used", "nobody")).isEmpty();
    assertThat(entries.list("kit-never-used")).isEmpty();
    assertThat(entries.remove(KIND, "nobody")).isFalse();
  }

  @Test
  @DisplayName("insert then get and list return the value")
  void insertRoundTrips() {
    assertThat(entries.insert(KIND, "key-1", "{\"hash\":\"abc\",\"scopes\":[\"read\"]}")).isTrue();
    assertThat(entries.get(KIND, "key-1")).contains("{\"hash\":\"abc\",\"scopes\":[\"read\"]}");
    assertThat(entries.list(KIND)).containsExactly(Map.entry("key-1", "{\"hash\":\"abc\",\"scopes\":[\"read\"]}"));
  }

  @Test
  @DisplayName("insert of an existing name returns false and keeps the old value")
  void insertOfAnExistingNameKeepsTheOldValue() {
    assertThat(entries.insert(KIND, "key-1", "first")).isTrue();
    assertThat(entries.insert(KIND, "key-1", "second")).isFalse();
    assertThat(entries.insert(KIND, "key-1", "first")).as("also with the same value").isFalse();
    assertThat(entries.get(KIND, "key-1")).contains("first");
    assertThat(entries.list(KIND)).containsExactly(Map.entry("key-1", "first"));
  }

  @Test
  @DisplayName("put creates an entry and replaces its value")
  void putCreatesAndReplaces() {
    entries.put(KIND, "key-1", "first");
    assertThat(entries.get(KIND, "key-1")).contains("first");
    entries.put(KIND, "key-1", "second");
    assertThat(entries.get(KIND, "key-1")).contains("second");
    entries.put(KIND, "key-1", "second"); // the same value again: harmless
    assertThat(entries.insert(KIND, "key-1", "third")).isFalse();
    assertThat(entries.list(KIND)).containsExactly(Map.entry("key-1", "second"));
  }

  @Test
  @DisplayName("remove returns whether the entry existed; a removed name can be inserted again")
  void removeSaysWhetherItExisted() {
    entries.insert(KIND, "key-1", "one");
    entries.insert(KIND, "key-2", "two");
    assertThat(entries.remove(KIND, "key-1")).isTrue();
    assertThat(entries.get(KIND, "key-1")).isEmpty();
    assertThat(entries.remove(KIND, "key-1")).isFalse();
    assertThat(entries.list(KIND)).containsExactly(Map.entry("key-2", "two"));
    assertThat(entries.insert(KIND, "key-1", "again")).isTrue();
    assertThat(entries.get(KIND, "key-1")).contains("again");
  }

  @Test
  @DisplayName("kinds lists every kind that holds an entry, in order, and drops a kind whose last entry went")
  void kindsListsTheKindsThatHoldEntries() throws Exception {
    assertThat(entries.kinds()).as("a new store's kinds").doesNotContain(KIND, OTHER_KIND);
    entries.insert(OTHER_KIND, "one", "1");
    entries.put(KIND, "a", "x");
    entries.put(OTHER_KIND, "two", "2");
    assertThat(List.copyOf(entries.kinds())).contains(KIND, OTHER_KIND).isSorted();
    if (persistent()) {
      assertThat(entriesOf(open()).kinds()).as("another handle's kinds").contains(KIND, OTHER_KIND);
    }

    entries.remove(OTHER_KIND, "one");
    assertThat(entries.kinds()).as("a kind with an entry left").contains(OTHER_KIND);
    entries.remove(OTHER_KIND, "two");
    assertThat(entries.kinds()).as("a kind without entries").contains(KIND).doesNotContain(OTHER_KIND);
    assertThatThrownBy(() -> entries.kinds().add("x")).as("the set is a copy, read-only")
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("list is per kind and sorted by name as String.compareTo sorts")
  void listIsPerKindAndSorted() {
    List<String> names = new ArrayList<>(List.of("b", "a", "B", "a0", "A", "10", "9", "é", "z", "Z", "_", "~",
        "ä", "用户", "🙂", "\uFB01", "a b", "a-b", "a.b"));
    Collections.shuffle(names, new java.util.Random(42));
    TreeMap<String, String> expected = new TreeMap<>();
    for (String n : names) {
      assertThat(entries.insert(KIND, n, "v-" + n)).isTrue();
      expected.put(n, "v-" + n);
    }
    entries.insert(OTHER_KIND, "b", "other-b");
    entries.insert(OTHER_KIND, "only-other", "x");

    SortedMap<String, String> listed = entries.list(KIND);
    assertThat(new ArrayList<>(listed.keySet())).as("names in String.compareTo order")
        .containsExactlyElementsOf(expected.keySet());
    assertThat(listed).containsExactlyEntriesOf(expected);
    assertThat(entries.list(OTHER_KIND)).containsExactly(Map.entry("b", "other-b"), Map.entry("only-other", "x"));

    assertThat(entries.get(OTHER_KIND, "a")).as("a name of one kind is not in another").isEmpty();
    assertThat(entries.remove(OTHER_KIND, "b")).isTrue();
    assertThat(entries.get(KIND, "b")).as("removing in one kind keeps the other's").contains("v-b");
  }

  @Test
  @DisplayName("names that differ only in case, trailing spaces or Unicode normalization are distinct")
  void similarNamesAreDistinct() {
    List<String> names = List.of("key", "Key", "KEY", "key ", " key", "key  ", "caf\u00e9", "cafe\u0301", "ß", "ss",
        "ﬁ", "fi");
    for (String n : names) {
      assertThat(entries.insert(KIND, n, "v[" + n + "]")).as("insert of '%s'", n).isTrue();
    }
    for (String n : names) {
      assertThat(entries.get(KIND, n)).as("get of '%s'", n).contains("v[" + n + "]");
    }
    assertThat(entries.list(KIND)).hasSize(names.size());
    assertThat(entries.remove(KIND, "key ")).isTrue();
    assertThat(entries.get(KIND, "key")).contains("v[key]");
    assertThat(entries.get(KIND, "key  ")).contains("v[key  ]");
  }

  // ---------------------------------------------------------------------------------------------------
  // Hostile names and values

  /** The longest value an entry may hold, with one- to four-byte UTF-8 characters (emoji as surrogate pairs). */
  static String longestValue() {
    StringBuilder sb = new StringBuilder(EntryTable.MAX_VALUE_CHARS);
    String pattern = "x'\",;\n\u00e9用🙂\\\t%{}";
    while (sb.length() < EntryTable.MAX_VALUE_CHARS) {
      sb.append(pattern);
    }
    sb.setLength(EntryTable.MAX_VALUE_CHARS);
    if (Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
      sb.setCharAt(sb.length() - 1, 'y'); // no half of a pair at the end
    }
    return sb.toString();
  }

  static Stream<String> hostileValues() {
    return Stream.of(
        "",
        " ",
        "o'brien",
        "quote\"inside",
        "x'; DROP TABLE tokenstore_entry; --",
        "'); DELETE FROM tokenstore_entry; --",
        "' OR '1'='1",
        "comma,separated,value",
        "new\nline\r\nand\rreturn\n",
        "tab\tand\\backslash\\",
        "line\u2028and\u2029paragraph\u0085separators",
        "control\u0001and\u001fcharacters\u007f",
        "ünïcödé 用户 Ελληνικά العربية",
        "emoji 🙂🔑👩‍👩‍👧 and flags 🇪🇺",
        " leading and trailing spaces ",
        "%s %n {} ${jndi:ldap://x} $1 \\1",
        "{\"kind\":\"api-key\",\"name\":\"x\",\"value\":\"y\"}\n{\"injected\":true}",
        "# tokenstore entries",
        "\uFEFFbyte order mark",
        longestValue());
  }

  @ParameterizedTest
  @MethodSource("hostileValues")
  @DisplayName("hostile values round-trip exactly, also after reopening")
  void hostileValuesRoundTrip(String value) throws Exception {
    entries.insert(KIND, "bystander", "plain");
    assertThat(entries.insert(KIND, "hostile", value)).isTrue();
    assertThat(entries.get(KIND, "hostile")).contains(value);
    assertThat(entries.list(KIND)).containsExactly(Map.entry("bystander", "plain"), Map.entry("hostile", value));
    entries.put(KIND, "replaced", "before");
    entries.put(KIND, "replaced", value);
    assertThat(entries.get(KIND, "replaced")).contains(value);
    if (persistent()) {
      store.close();
      EntryTable reopened = entriesOf(open());
      assertThat(reopened.get(KIND, "hostile")).contains(value);
      assertThat(reopened.get(KIND, "replaced")).contains(value);
      assertThat(reopened.get(KIND, "bystander")).contains("plain");
    }
  }

  static Stream<String> hostileNames() {
    return Stream.of(
        "o'brien@example.com",
        "quote\"inside",
        "x'; DROP TABLE tokenstore_entry; --",
        "' OR '1'='1",
        "comma,separated",
        "back\\slash",
        "ünïcödé 用户",
        "emoji 🙂🔑👩‍👩‍👧",
        " leading and trailing ",
        "%s ${jndi:ldap://x} *?[]{}",
        "{prefix}:entry:api-key",
        "x".repeat(200),
        "🔑".repeat(100),
        "é".repeat(200));
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  @DisplayName("hostile names (up to 200 characters) round-trip exactly, also after reopening")
  void hostileNamesRoundTrip(String name) throws Exception {
    assertThat(entries.insert(KIND, name, "value of a hostile name")).isTrue();
    assertThat(entries.insert(KIND, name, "second")).isFalse();
    assertThat(entries.get(KIND, name)).contains("value of a hostile name");
    assertThat(entries.list(KIND)).containsExactly(Map.entry(name, "value of a hostile name"));
    assertThat(entries.list(OTHER_KIND)).isEmpty();
    if (persistent()) {
      store.close();
      EntryTable reopened = entriesOf(open());
      assertThat(reopened.get(KIND, name)).contains("value of a hostile name");
      assertThat(reopened.list(KIND)).containsOnlyKeys(name);
      assertThat(reopened.remove(KIND, name)).isTrue();
      assertThat(reopened.list(KIND)).isEmpty();
    }
  }

  @Test
  @DisplayName("the longest kind, name and value are taken")
  void theLimitsThemselvesAreValid() {
    String kind = "k" + "-".repeat(63);
    String name = "n".repeat(200);
    String value = "v".repeat(EntryTable.MAX_VALUE_CHARS);
    assertThat(entries.insert(kind, name, value)).isTrue();
    assertThat(entries.get(kind, name)).contains(value);
    assertThat(entries.list(kind)).containsExactly(Map.entry(name, value));
    assertThat(entries.remove(kind, name)).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------
  // Validation

  static Stream<String> invalidKinds() {
    return Stream.of("", "API-Key", "Api", "a b", "-leading-dash", ".dot", "_under", "k".repeat(65), "ké", "a/b",
        "a:b", "a\nb", "{x}");
  }

  static Stream<String> invalidNames() {
    return Stream.of("", "n".repeat(201), "🔑".repeat(100) + "x", "new\nline", "carriage\rreturn", "tab\tinside",
        "nul\u0000", "\u007f", "\u0085next line", "line\u2028separator", "paragraph\u2029separator");
  }

  @ParameterizedTest
  @MethodSource("invalidKinds")
  @DisplayName("an invalid kind is INVALID_ARGUMENT for every operation, and nothing is written")
  void invalidKindsAreRefused(String kind) {
    assertInvalid(() -> entries.get(kind, "n"));
    assertInvalid(() -> entries.insert(kind, "n", "v"));
    assertInvalid(() -> entries.put(kind, "n", "v"));
    assertInvalid(() -> entries.remove(kind, "n"));
    assertInvalid(() -> entries.list(kind));
    assertThat(entries.list(KIND)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  @DisplayName("an invalid name is INVALID_ARGUMENT for every operation, and nothing is written")
  void invalidNamesAreRefused(String name) {
    assertInvalid(() -> entries.get(KIND, name));
    assertInvalid(() -> entries.insert(KIND, name, "v"));
    assertInvalid(() -> entries.put(KIND, name, "v"));
    assertInvalid(() -> entries.remove(KIND, name));
    assertThat(entries.list(KIND)).isEmpty();
  }

  @Test
  @DisplayName("a null kind or name, or a value over the limit, is INVALID_ARGUMENT, and nothing is written")
  @SuppressWarnings("NullAway") // nulls on purpose
  void nullsAndOversizedValuesAreRefused() {
    String tooLong = "v".repeat(EntryTable.MAX_VALUE_CHARS + 1);
    assertInvalid(() -> entries.insert(KIND, "n", tooLong));
    assertInvalid(() -> entries.put(KIND, "n", tooLong));
    entries.put(KIND, "kept", "small");
    assertInvalid(() -> entries.put(KIND, "kept", tooLong));
    assertThat(entries.get(KIND, "kept")).as("an oversized put leaves the old value").contains("small");
    assertThat(entries.get(KIND, "n")).isEmpty();
    assertInvalid(() -> entries.get(null, "n"));
    assertInvalid(() -> entries.get(KIND, null));
    assertInvalid(() -> entries.insert(null, "n", "v"));
    assertInvalid(() -> entries.remove(KIND, null));
    assertInvalid(() -> entries.list(null));
    assertThat(entries.list(KIND)).containsOnlyKeys("kept");
  }

  @Test
  @DisplayName("a NUL or an unpaired surrogate (which not every engine keeps) is INVALID_ARGUMENT, and nothing is "
      + "written")
  void textNoEngineCanKeepExactlyIsRefused() {
    for (String bad : new String[] {"a\u0000b", "\ud800", "x\udc00", "\ud83d"}) {
      assertInvalid(() -> entries.put(KIND, "n", bad));
      assertInvalid(() -> entries.insert(KIND, "n", bad));
      assertInvalid(() -> entries.put(KIND, bad, "v"));
    }
    entries.put(KIND, "emoji", "\ud83d\ude00 pairs are fine");
    assertThat(entries.get(KIND, "emoji")).contains("\ud83d\ude00 pairs are fine");
    assertThat(entries.list(KIND)).containsOnlyKeys("emoji");
  }

  private static void assertInvalid(Executable call) {
    assertThatThrownBy(call::execute)
        .isInstanceOfSatisfying(TokenstoreException.class,
            e -> assertThat(e.code()).as("error code").isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  // ---------------------------------------------------------------------------------------------------
  // Lifecycle

  @Test
  @DisplayName("entries survive close and reopen, and handles see each other's writes")
  void entriesSurviveReopening() throws Exception {
    Map<String, String> written = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      written.put("key-" + i, "value-" + i);
      assertThat(entries.insert(KIND, "key-" + i, "value-" + i)).isTrue();
    }
    entries.insert(OTHER_KIND, "o", "other");
    if (!persistent()) {
      assertThat(entriesOf(open()).list(KIND)).as("a store that keeps nothing shares nothing").isEmpty();
      return;
    }
    EntryTable second = entriesOf(open());
    assertThat(second.list(KIND)).containsExactlyInAnyOrderEntriesOf(written);
    assertThat(second.insert(KIND, "key-0", "from the second handle")).isFalse();
    second.put(KIND, "key-1", "replaced by the second handle");
    assertThat(second.remove(KIND, "key-2")).isTrue();
    assertThat(entries.get(KIND, "key-1")).contains("replaced by the second handle");
    assertThat(entries.get(KIND, "key-2")).isEmpty();
    assertThat(entries.insert(KIND, "key-2", "back")).isTrue();
    assertThat(second.get(KIND, "key-2")).contains("back");

    store.close();
    EntryTable reopened = entriesOf(open());
    written.put("key-1", "replaced by the second handle");
    written.put("key-2", "back");
    assertThat(reopened.list(KIND)).containsExactlyInAnyOrderEntriesOf(written);
    assertThat(reopened.list(OTHER_KIND)).containsExactly(Map.entry("o", "other"));
  }

  @Test
  @DisplayName("the entry table of a closed store refuses work with STORE_CLOSED")
  void aClosedStoresEntriesRefuseWork() {
    entries.insert(KIND, "key", "value");
    store.close();
    assertClosed(() -> entries.get(KIND, "key"));
    assertClosed(() -> entries.insert(KIND, "other", "value"));
    assertClosed(() -> entries.put(KIND, "key", "value"));
    assertClosed(() -> entries.remove(KIND, "key"));
    assertClosed(() -> entries.list(KIND));
  }

  private static void assertClosed(Executable call) {
    assertThatThrownBy(call::execute)
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).as("error code").isEqualTo(ErrorCode.STORE_CLOSED));
  }

  // ---------------------------------------------------------------------------------------------------
  // Entries and tokens

  private static OAuthToken token(String user) {
    return OAuthToken.builder().userName(user).clientId("1000.CLIENT").clientSecret("secret-" + user)
        .refreshToken("1000.refresh." + user).accessToken("1000.access." + user)
        .expiresAt(Instant.ofEpochMilli(1_900_000_000_123L)).redirectUrl("https://app.example.com/callback")
        .apiDomain("https://www.zohoapis.com").build();
  }

  @Test
  @DisplayName("entries are not tokens: getTokens never lists them, deleteToken and deleteTokens keep them")
  void entriesAreApartFromTokens() throws Exception {
    entries.insert(KIND, "1", "an entry named like a token id");
    entries.insert(KIND, "key", "value");
    entries.insert(OTHER_KIND, "key", "other");
    assertThat(store.getTokens()).as("a store with entries and no tokens lists no token").isEmpty();
    assertThat(store.findTokenById("1")).isEmpty();

    OAuthToken a = store.saveToken(token("a@example.com"));
    OAuthToken b = store.saveToken(token("b@example.com"));
    assertThat(store.getTokens()).containsExactlyInAnyOrder(a, b);
    assertThat(store.deleteToken(Objects.requireNonNull(a.id()))).isTrue();
    assertThat(entries.get(KIND, "1")).contains("an entry named like a token id");
    String idOfB = Objects.requireNonNull(b.id());
    entries.put(KIND, idOfB, "an entry named like the id of b");
    assertThat(entries.remove(KIND, idOfB)).isTrue();
    assertThat(store.findTokenById(idOfB)).as("removing an entry removes no token").contains(b);

    store.deleteTokens();
    assertThat(store.getTokens()).isEmpty();
    assertThat(entries.list(KIND)).containsOnlyKeys("1", "key");
    assertThat(entries.list(OTHER_KIND)).containsExactly(Map.entry("key", "other"));
    if (persistent()) {
      store.close();
      TokenStore reopened = open();
      assertThat(reopened.getTokens()).isEmpty();
      assertThat(entriesOf(reopened).list(KIND)).containsOnlyKeys("1", "key");
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Concurrency

  @Test
  @DisplayName("16 threads racing insert of one name: exactly one wins, and its value is kept")
  void racingInsertsHaveExactlyOneWinner() throws Exception {
    int threads = 16;
    List<EntryTable> handles = new ArrayList<>();
    handles.add(entries);
    if (persistent()) {
      for (int i = 1; i < 4; i++) {
        handles.add(entriesOf(open()));
      }
    }
    for (int round = 0; round < 5; round++) {
      String name = "raced-" + round;
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          EntryTable table = handles.get(t % handles.size());
          String value = "thread-" + t;
          results.add(pool.submit(() -> {
            start.await(60, TimeUnit.SECONDS);
            return table.insert(KIND, name, value);
          }));
        }
        List<String> winners = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          if (results.get(t).get(120, TimeUnit.SECONDS)) {
            winners.add("thread-" + t);
          }
        }
        assertThat(winners).as("threads whose insert of %s returned true", name).hasSize(1);
        for (EntryTable h : handles) {
          assertThat(h.get(KIND, name)).as("the value every handle reads").contains(winners.get(0));
        }
      } finally {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    assertThat(entries.list(KIND)).hasSize(5);
  }
}
