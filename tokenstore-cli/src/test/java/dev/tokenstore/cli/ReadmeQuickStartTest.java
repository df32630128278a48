package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles the README's quick start exactly as written and runs it in a fresh folder as its own JVM. */
class ReadmeQuickStartTest {

  @Test
  void quickStartCompilesAndRuns(@TempDir Path dir) throws Exception {
    Path work = compileAndRunBlock(dir, "quickstart", "QuickStart");
    String out = Files.readString(dir.resolve("out.txt"));
    List<String> lines = out.lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .startsWith("stored OAuthToken{id=1, userName=alice@example.com, clientId=1000.CLIENTID, clientSecret=<redacted:"));
    assertThat(lines).contains("access token ready: true");
    assertThat(out).doesNotContain("client-secret");
    assertThat(out).as("no token value (the emulator's look like 1000.<hex>.<hex>)")
        .doesNotContainPattern("1000\\.[0-9a-f]{8,}");
    assertThat(work.resolve("tokens.db")).exists();
  }

  /** The README's encryption example: runs, finds the token by refresh token, and leaves no token in any file. */
  @Test
  void encryptionExampleCompilesRunsAndLeavesNoTokenOnDisk(@TempDir Path dir) throws Exception {
    Path work = compileAndRunBlock(dir, "encryption", "EncryptedQuickStart");
    String out = Files.readString(dir.resolve("out.txt"));
    assertThat(out).contains("found alice@example.com in EncryptedTokenStore[").doesNotContain("token-value");
    assertThat(work.resolve("keys/tokens.keyring")).exists();
    try (var files = Files.walk(work)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as("%s", f)
            .doesNotContain("refresh-token-value", "access-token-value");
      }
    }
    compileAndRunBlock(dir, "encryption", "EncryptedQuickStart"); // a second run reads the existing keyring
  }

  /** Compiles the README block between {@code <!-- name:begin/end -->} and runs it in {@code dir/work}. */
  private static Path compileAndRunBlock(Path dir, String name, String className) throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("<!-- " + name + ":begin -->\\s*```java\\n(.*?)```\\s*<!-- " + name + ":end -->",
        Pattern.DOTALL).matcher(text);
    assertThat(m.find()).as("README.md has a block between the %s markers", name).isTrue();
    Path source = dir.resolve("src/" + className + ".java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, m.group(1));

    Path classes = Files.createDirectories(dir.resolve("classes"));
    String classpath = System.getProperty("java.class.path");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", classpath, source.toString());
    assertThat(rc).as("%s compiles", name).isZero();

    Path work = Files.createDirectories(dir.resolve("work"));
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classes + File.pathSeparator + classpath, className)
        .directory(work.toFile())
        .redirectErrorStream(true)
        .start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(done).as("%s finishes within 60 s", name).isTrue();
    assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();
    Files.writeString(dir.resolve("out.txt"), out);
    return work;
  }
}
