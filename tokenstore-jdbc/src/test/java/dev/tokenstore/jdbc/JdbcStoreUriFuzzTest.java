package dev.tokenstore.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.UriPasswords;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the store URIs of {@code tokenstore-jdbc} without opening a database or connecting to a server:
 * {@code sqlite:}, {@code jdbc:sqlite:}, {@code mysql://}, {@code mariadb://}, {@code postgresql://},
 * {@code postgres://} and {@code jdbc:mysql:}/{@code jdbc:mariadb:}/{@code jdbc:postgresql:} URIs go to their
 * provider's {@code configure} (what {@code open} builds). Every URI gives a builder or {@link StoreException}
 * {@link ErrorCode#INVALID_STORE_URI}, never another exception, and no message shows a password of the URI
 * ({@link UriPasswords}). The input is the URI in UTF-8; URIs of other schemes are not this module's. Seeds:
 * {@code src/test/resources/dev/tokenstore/jdbc/JdbcStoreUriFuzzTestInputs/parse/}.
 */
class JdbcStoreUriFuzzTest {
  private static final SqliteStoreProvider SQLITE = new SqliteStoreProvider();
  private static final ServerStoreProvider SERVER = new ServerStoreProvider();

  @FuzzTest(maxDuration = "8s")
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // per input (Jazzer); JUnit's own timeout is off in the fuzz execution
  void parse(byte[] input) {
    String uri = new String(input, UTF_8);
    UriPasswords.check(uri, JdbcStoreUriFuzzTest::outcome);
  }

  /** Null when {@code uri} parses (or is not a URI of this module), else its error message. */
  static @Nullable String outcome(String uri) {
    String t = uri.strip(); // as TokenStores.open hands it to the provider whose scheme is the longest match
    try {
      if (matches(t, SQLITE.schemes())) {
        assertThat(SQLITE.configure(t)).isNotNull();
      } else if (matches(t, SERVER.schemes())) {
        assertThat(SERVER.configure(t)).isNotNull();
      }
      return null;
    } catch (StoreException e) {
      assertThat(e.code()).as("%s", e).isEqualTo(ErrorCode.INVALID_STORE_URI);
      return e.getMessage();
    } catch (RuntimeException e) {
      throw new AssertionError("not a StoreException for the URI '" + uri + "': " + e, e);
    }
  }

  private static boolean matches(String uri, List<String> schemes) {
    for (String scheme : schemes) {
      if (uri.regionMatches(true, 0, scheme + ":", 0, scheme.length() + 1)) {
        return true;
      }
    }
    return false;
  }
}
