package dev.tokenstore.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's Spring Boot example is this package's {@code CrmController}, which the build compiles. */
class ReadmeSpringSectionTest {

  @Test
  void readmeShowsTheCompiledController() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = Pattern.compile("<!-- spring:begin -->\\s*```java\\n(.*?)```\\s*<!-- spring:end -->", Pattern.DOTALL)
        .matcher(readme);
    assertThat(m.find()).as("README.md has a block between the spring markers").isTrue();
    String source = Files.readString(Path.of("src/test/java/dev/tokenstore/spring/readme/CrmController.java"));
    assertThat(source).as("CrmController.java without its package line")
        .isEqualTo("package dev.tokenstore.spring.readme;\n\n" + m.group(1));
  }
}
