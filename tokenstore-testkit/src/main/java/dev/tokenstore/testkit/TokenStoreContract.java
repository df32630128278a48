package dev.tokenstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
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
 * <p>The tests are grouped by concern in {@code @Nested} classes, each running one package-private part of the
 * kit ({@code RoundTripContract}, {@code MatchingContract}, {@code SavingContract}, {@code DeletingContract},
 * {@code LifecycleContract}, {@code ConcurrencyContract}, {@code PagingContract}); a subclass runs them all.
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

  /** The id of a token the store returned (a saved token always has one). */
  static String idOf(OAuthToken saved) {
    return Objects.requireNonNull(saved.id(), "a token the store returned has no id");
  }

  static OAuthToken withoutId(OAuthToken t) {
    return t.toBuilder().id(null).build();
  }

  static ErrorCode codeOf(Throwable t) {
    return ((StoreException) t).code();
  }

  // ---------------------------------------------------------------------------------------------------

  @Nested
  @DisplayName("saving and reading back")
  class RoundTrip extends RoundTripContract {
    RoundTrip() {
      super(TokenStoreContract.this);
    }
  }

  @Nested
  @DisplayName("matching rules")
  class Matching extends MatchingContract {
    Matching() {
      super(TokenStoreContract.this);
    }
  }

  @Nested
  @DisplayName("saving rules")
  class Saving extends SavingContract {
    Saving() {
      super(TokenStoreContract.this);
    }
  }

  @Nested
  @DisplayName("deleting")
  class Deleting extends DeletingContract {
    Deleting() {
      super(TokenStoreContract.this);
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
      assertThat(reopened.findTokenById(idOf(saved))).contains(saved);
      assertThat(reopened.getTokens()).hasSize(2);
    }
  }

  @Nested
  @DisplayName("closing and reopening")
  class Lifecycle extends LifecycleContract {
    Lifecycle() {
      super(TokenStoreContract.this);
    }
  }

  @Nested
  @DisplayName("pages and counts")
  class Paging extends PagingContract {
    Paging() {
      super(TokenStoreContract.this);
    }
  }

  @Nested
  @DisplayName("many threads at once")
  class Concurrency extends ConcurrencyContract {
    Concurrency() {
      super(TokenStoreContract.this);
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
