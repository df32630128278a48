package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./tokenstore} launcher (after {@code package}): its first run makes the class-data archive and unpacks
 * SQLite's native library next to the jar, later runs use both, and none prints anything of the JVM's own.
 */
class LauncherIT {
  @TempDir Path home;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) throws Exception {
    Path out = home.resolve("out.txt");
    Path err = home.resolve("err.txt");
    List<String> command = new java.util.ArrayList<>(List.of("bash", Path.of("..", "tokenstore").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("HOME", home.toString());
    pb.environment().remove("TOKENSTORE_STORE");
    pb.environment().remove("TOKENSTORE_KEYRING");
    pb.environment().remove("TOKENSTORE_JAVA_OPTS");
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theFirstRunMakesTheArchiveAndLaterRunsUseItQuietly() throws Exception {
    Path target = Path.of("target");
    Files.deleteIfExists(target.resolve("tokenstore.jsa"));
    String store = "sqlite:" + home.resolve("tokens.db");
    Run first = run("--store", store, "list");
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).contains("No tokens stored");
    assertThat(target.resolve("tokenstore.jsa")).isNotEmptyFile();
    for (int i = 0; i < 2; i++) {
      Run again = run("--store", store, "list");
      assertThat(again.exit()).as(again.err()).isZero();
      assertThat(again.out()).isEqualTo(first.out());
      assertThat(again.err()).as("nothing of the JVM's own (CDS warnings)").isEmpty();
    }
    boolean unzip = new ProcessBuilder("bash", "-c", "command -v unzip").start().waitFor() == 0;
    boolean linux = System.getProperty("os.name").startsWith("Linux");
    if (unzip && linux) { // the launcher unpacks the library with unzip where there is one, else SQLite does per run
      try (var files = Files.walk(target.resolve("native"))) {
        assertThat(files.map(Path::toString)).anyMatch(f -> f.endsWith("libsqlitejdbc.so"));
      }
    }
  }
}
