package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random operations (seeded) give the same results on the file store as on the memory store, including the
 * error codes, while the file store is closed and reopened now and then: the file keeps exactly what the
 * matching rules say, and rejected operations write nothing.
 */
class FileStoreAgreesWithMemoryStoreTest {
  @TempDir Path dir;

  private static final String[] USERS = {null, "a@example.com", "o'brien@example.com", "c,d@example.com"};
  private static final String[] CLIENTS = {null, "1000.A", "1000.B"};
  private static final String[] DOMAINS = {null, "https://www.zohoapis.com", "https://sandbox.zohoapis.com"};
  private static final String[] TOKENS = {null, "t1", "t2", "t3\n\"x\""};

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void sameResultsAsTheMemoryStore(long seed) throws Exception {
    Random rnd = new Random(seed);
    Path file = dir.resolve("sdk_tokens.txt");
    MemoryTokenStore memory = MemoryTokenStore.create();
    FileTokenStore store = FileTokenStore.open(file);
    try {
      for (int step = 0; step < 400; step++) {
        int op = rnd.nextInt(10);
        OAuthToken token = randomToken(rnd);
        String id = String.valueOf(1 + rnd.nextInt(8));
        boolean clear = rnd.nextInt(8) == 0;
        Function<TokenStore, Object> action = switch (op) {
          case 0, 1, 2, 3 -> s -> s.saveToken(token);
          case 4, 5 -> s -> s.findToken(token);
          case 6 -> s -> s.findTokenById(id);
          case 7 -> s -> s.deleteToken(id);
          case 8 -> TokenStore::getTokens;
          default -> s -> {
            if (clear) {
              s.deleteTokens();
            }
            return s.getTokens();
          };
        };
        byte[] before = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        Object expected = outcome(action, memory);
        Object actual = outcome(action, store);
        assertThat(actual).as("seed %d step %d op %d", seed, step, op).isEqualTo(expected);
        if (expected instanceof StoreException || expected instanceof String) {
          byte[] after = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
          assertThat(after).as("a failed operation writes nothing").isEqualTo(before);
        }
        if (rnd.nextInt(25) == 0) {
          store.close();
          store = FileTokenStore.open(file);
        }
      }
      assertThat(store.getTokens()).isEqualTo(memory.getTokens());
    } finally {
      store.close();
      memory.close();
    }
  }

  /** The result, or the error code as text (messages may name the store). */
  private static Object outcome(Function<TokenStore, Object> action, TokenStore store) {
    try {
      return action.apply(store);
    } catch (StoreException e) {
      return "error " + e.code();
    }
  }

  private static OAuthToken randomToken(Random rnd) {
    OAuthToken.Builder b = OAuthToken.builder()
        .userName(pick(rnd, USERS))
        .clientId(pick(rnd, CLIENTS))
        .apiDomain(pick(rnd, DOMAINS))
        .refreshToken(pick(rnd, TOKENS))
        .accessToken(pick(rnd, TOKENS))
        .grantToken(rnd.nextInt(4) == 0 ? pick(rnd, TOKENS) : null)
        .expiresAt(rnd.nextBoolean() ? Instant.ofEpochMilli(1_700_000_000_000L + rnd.nextInt(1_000_000)) : null);
    if (rnd.nextInt(6) == 0) {
      b.id(String.valueOf(1 + rnd.nextInt(8)));
    }
    return b.build();
  }

  private static String pick(Random rnd, String[] values) {
    return values[rnd.nextInt(values.length)];
  }
}
