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
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("<!-- quickstart:begin -->\\s*```java\\n(.*?)```\\s*<!-- quickstart:end -->",
        Pattern.DOTALL).matcher(text);
    assertThat(m.find()).as("README.md has a quick start block between the quickstart markers").isTrue();
    Path source = dir.resolve("src/QuickStart.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, m.group(1));

    Path classes = Files.createDirectories(dir.resolve("classes"));
    String classpath = System.getProperty("java.class.path");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", classpath, source.toString());
    assertThat(rc).as("the quick start compiles").isZero();

    Path work = Files.createDirectories(dir.resolve("work"));
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classes + File.pathSeparator + classpath, "QuickStart")
        .directory(work.toFile())
        .redirectErrorStream(true)
        .start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(done).as("the quick start finishes within 60 s").isTrue();
    assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .startsWith("stored OAuthToken{id=1, userName=alice@example.com, clientId=1000.CLIENTID, clientSecret=<redacted:"));
    assertThat(lines).contains("access token ready: true");
    assertThat(out).doesNotContain("client-secret");
    assertThat(out).as("no token value (the emulator's look like 1000.<hex>.<hex>)")
        .doesNotContainPattern("1000\\.[0-9a-f]{8,}");
    assertThat(work.resolve("tokens.db")).exists();
  }
}
