package dev.tokenstore.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.UriPasswords;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the store URIs of the core: {@link TokenStores#open} with {@code memory:} and unknown schemes, and the
 * parsing of {@code file:} URIs ({@link FileStoreProvider#path}, without opening a file). Every URI gives a store
 * (a path) or {@link StoreException} {@link ErrorCode#INVALID_STORE_URI}, never another exception, and no message
 * shows a password of the URI ({@link UriPasswords}). The input is the URI in UTF-8. Seeds:
 * {@code src/test/resources/dev/tokenstore/file/StoreUriFuzzTestInputs/parse/}. ({@code tokenstore-jdbc} has the
 * same test for its schemes: {@code JdbcStoreUriFuzzTest}.)
 */
class StoreUriFuzzTest {

  @FuzzTest(maxDuration = "8s")
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // per input (Jazzer); JUnit's own timeout is off in the fuzz execution
  void parse(byte[] input) {
    String uri = new String(input, UTF_8);
    UriPasswords.check(uri, StoreUriFuzzTest::outcome);
  }

  /** Null when {@code uri} opens (or parses), else the message of its {@link ErrorCode#INVALID_STORE_URI}. */
  static @Nullable String outcome(String uri) {
    try {
      String t = uri.strip();
      if (t.regionMatches(true, 0, "file:", 0, 5)) {
        assertThat(FileStoreProvider.path(t)).isNotNull();
      } else {
        try (TokenStore store = TokenStores.open(uri)) {
          assertThat(store).isNotNull();
        }
      }
      return null;
    } catch (StoreException e) {
      assertThat(e.code()).as("%s", e).isEqualTo(ErrorCode.INVALID_STORE_URI);
      return e.getMessage();
    } catch (RuntimeException e) {
      throw new AssertionError("not a StoreException for the URI '" + uri + "': " + e, e);
    }
  }
}
