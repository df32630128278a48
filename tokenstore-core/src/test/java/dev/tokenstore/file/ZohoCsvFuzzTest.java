package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of Zoho's {@code sdk_tokens.txt}: the input bytes are written as a token file and read the way
 * {@link FileTokenStore} reads one ({@link TokenFile#readOrNull}, {@link ZohoCsv#parse}). Any file either reads into
 * tokens or fails with {@link StoreException} {@link ErrorCode#CORRUPT_STORE} (no other exception, no hang), and what
 * reads writes back ({@link ZohoCsv#format}, as the store rewrites a file) and rereads to the same tokens in the same
 * layout, and a second rewrite gives the same bytes.
 *
 * <p>Seeds: {@code src/test/resources/dev/tokenstore/file/ZohoCsvFuzzTestInputs/readWriteReread/} (files of Zoho's
 * Java and Python SDKs, old nine-column files, and inputs that once failed). {@code ./mvnw verify} runs them and
 * then fuzzes for a few seconds; see README "Running the tests" for a long session.
 */
class ZohoCsvFuzzTest {
  private static final Path DIR;
  private static final TokenFile FILE;

  static {
    try {
      DIR = Files.createTempDirectory("zoho-csv-fuzz");
      DIR.toFile().deleteOnExit();
      FILE = new TokenFile(TokenFile.realPath(DIR.resolve("sdk_tokens.txt")));
      FILE.path().toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "8s")
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // per input (Jazzer); JUnit's own timeout is off in the fuzz execution
  void readWriteReread(byte[] input) throws IOException {
    Files.write(FILE.path(), input);
    byte[] bytes = Objects.requireNonNull(FILE.readOrNull(), "the file was just written");
    assertThat(bytes).isEqualTo(input);

    ZohoCsv.Parsed parsed;
    try {
      parsed = ZohoCsv.parse(bytes, FILE.path());
    } catch (StoreException e) {
      assertThat(e.code()).as("%s", e).isEqualTo(ErrorCode.CORRUPT_STORE);
      assertThat(e.getMessage()).startsWith("The token file " + FILE.path() + " is malformed at line ");
      return;
    }
    List<OAuthToken> tokens = parsed.table().all();
    for (OAuthToken t : tokens) {
      assertThat(t.id()).as("every token read has an id").isNotEmpty();
    }

    ZohoCsv.Layout layout = parsed.layout().forWriting();
    byte[] written = ZohoCsv.format(layout, tokens);
    ZohoCsv.Parsed reread = ZohoCsv.parse(written, FILE.path());
    assertThat(reread.table().all()).as("the tokens after a rewrite").isEqualTo(tokens);
    assertThat(reread.layout()).as("the layout after a rewrite").isEqualTo(layout);
    assertThat(ZohoCsv.format(reread.layout().forWriting(), reread.table().all()))
        .as("a second rewrite").isEqualTo(written);
  }
}
