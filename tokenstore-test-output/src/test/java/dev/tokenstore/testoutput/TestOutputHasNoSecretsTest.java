package dev.tokenstore.testoutput;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whole test run's output holds no secret the tests used. Runs last in the reactor and reads what every
 * other module's tests printed: the {@code *-output.txt} files that surefire and failsafe write (test output is
 * redirected to them, see the parent pom) and the {@code *.txt} summaries, of every module's
 * {@code target/surefire-reports} and {@code target/failsafe-reports}.
 *
 * <p>The rule: every secret a test makes (tokens, client secrets, grant codes, passwords) carries the marker
 * {@value #MARKER} (e.g. {@code 1000.rt-SECRET-...}, {@code cs-SECRET-...}, the emulator's
 * {@code tokenSuffix("-SECRET")}), so one search finds them in any log line, exception message or printed
 * output, whatever token it was. Secrets that a test asserts on in its own code are not output and are not here;
 * a test that fails prints its assertion (which may quote a secret), but then the build fails anyway. A finding
 * names the file, line and column and a fingerprint of the word, never the word itself.
 */
class TestOutputHasNoSecretsTest {
  static final String MARKER = "SECRET";
  private static final Pattern WORD = Pattern.compile("[^\\s\"'<>=&,;()\\[\\]{}]*" + MARKER + "[^\\s\"'<>=&,;()\\[\\]{}]*");
  private static final Path REACTOR = Path.of("..");

  @Test
  void noTestPrintedASecret() throws IOException {
    List<Path> files = outputFiles();
    assertThat(files).as("test output files of the reactor (run './mvnw verify' for the whole reactor: this "
        + "module checks what the others printed)").isNotEmpty();
    List<String> findings = new ArrayList<>();
    for (Path f : files) {
      findings.addAll(scan(f));
    }
    assertThat(findings).as("secrets in the test run's output (%d files read)", files.size()).isEmpty();
  }

  /** The scan's own check: it finds a marked secret in any form and names it only by a fingerprint. */
  @Test
  void theScanFindsMarkedSecretsAndNeverQuotesThem(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = dir.resolve("x-output.txt");
    Files.writeString(f, "ok line\nWARNING refresh failed for token=1000.rt-SECRET-abc&x=1\n"
        + "{\"client_secret\":\"cs-SECRET-9\"}\n");
    List<String> findings = scan(f);
    assertThat(findings).hasSize(2);
    assertThat(findings.get(0)).contains("x-output.txt:2:").doesNotContain("rt-SECRET-abc");
    assertThat(findings.get(1)).contains("x-output.txt:3:").doesNotContain("cs-SECRET-9");
  }

  private static List<Path> outputFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> modules = Files.list(REACTOR)) {
      for (Path module : modules.filter(Files::isDirectory).sorted().toList()) {
        if (module.getFileName().toString().equals("tokenstore-test-output")) {
          continue;
        }
        for (String reports : List.of("target/surefire-reports", "target/failsafe-reports")) {
          Path dir = module.resolve(reports);
          if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
              s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().forEach(files::add);
            }
          }
        }
      }
    }
    return files;
  }

  static List<String> scan(Path file) {
    List<String> findings = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = WORD.matcher(lines.get(i));
      while (m.find()) {
        findings.add(file.normalize() + ":" + (i + 1) + ":" + (m.start() + 1)
            + ": a marked secret (sha-256 " + fingerprint(m.group()) + ")");
      }
    }
    return findings;
  }

  private static String fingerprint(String word) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(word.getBytes(StandardCharsets.ISO_8859_1));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
