package dev.tokenstore.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Package boundaries, read from the main sources (imports and fully qualified references; comments and string
 * literals ignored): {@code spi} never uses {@code internal}, {@code internal} never uses {@code oauth}, no two
 * packages of the core use each other (but the known pair below), and no other module uses the core's
 * {@code internal}. Cheap: it reads a hundred files.
 */
class PackageDependenciesTest {
  private static final Path MAIN = Path.of("src/main/java/dev/tokenstore");
  private static final String ROOT = "dev.tokenstore";
  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.tokenstore((?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z]");
  private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile(
      "/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'", Pattern.DOTALL);

  /**
   * Uses that are allowed both ways, with the reason. The root package's {@code TokenStores} opens stores through
   * {@code spi.TokenStoreProvider}, and the SPI speaks the root's {@code OAuthToken} and {@code TokenStore}.
   */
  private static final Set<String> ALLOWED_MUTUAL = Set.of(ROOT + " <-> " + ROOT + ".spi");

  /**
   * Files being moved out of {@code internal} into {@code oauth} (the token manager's split); until then they use
   * {@code oauth}. Nothing to do when they are gone.
   */
  private static final Set<String> MOVING = Set.of("internal/TokenEndpointClient.java", "internal/ReplayedResponse.java");

  /** Package of the using file -> package used -> files (relative to {@link #MAIN}) with such a use. */
  private static Map<String, Map<String, Set<String>>> uses(Path root, boolean skipMoving) {
    Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String rel = root.relativize(f).toString().replace('\\', '/');
        if (skipMoving && MOVING.contains(rel)) {
          continue;
        }
        String source = COMMENTS_AND_STRINGS.matcher(Files.readString(f)).replaceAll(" ");
        Matcher pkg = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;").matcher(source);
        if (!pkg.find()) {
          continue;
        }
        Matcher m = REFERENCE.matcher(source);
        while (m.find()) {
          String used = ROOT + m.group(1);
          if (!used.equals(pkg.group(1))) {
            uses.computeIfAbsent(pkg.group(1), k -> new TreeMap<>())
                .computeIfAbsent(used, k -> new TreeSet<>()).add(rel);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return uses;
  }

  private static Set<String> filesOf(Map<String, Map<String, Set<String>>> uses, String from, String to) {
    return uses.getOrDefault(from, Map.of()).getOrDefault(to, Set.of());
  }

  @Test
  void spiDoesNotUseInternal() {
    assertThat(filesOf(uses(MAIN, true), ROOT + ".spi", ROOT + ".internal"))
        .as("files of dev.tokenstore.spi that use dev.tokenstore.internal").isEmpty();
  }

  @Test
  void internalDoesNotUseOauth() {
    assertThat(filesOf(uses(MAIN, true), ROOT + ".internal", ROOT + ".oauth"))
        .as("files of dev.tokenstore.internal that use dev.tokenstore.oauth").isEmpty();
  }

  @Test
  void noTwoPackagesUseEachOther() {
    Map<String, Map<String, Set<String>>> uses = uses(MAIN, true);
    List<String> cycles = new ArrayList<>();
    uses.forEach((from, targets) -> targets.forEach((to, files) -> {
      Set<String> back = filesOf(uses, to, from);
      if (from.compareTo(to) < 0 && !back.isEmpty() && !ALLOWED_MUTUAL.contains(from + " <-> " + to)) {
        cycles.add(from + " <-> " + to + ": " + files + " use " + to + "; " + back + " use " + from);
      }
    }));
    assertThat(cycles).as("package pairs that use each other").isEmpty();
  }

  @Test
  void noOtherModuleUsesTheCoresInternals() throws IOException {
    List<String> offending = new ArrayList<>();
    try (Stream<Path> modules = Files.list(Path.of(".."))) {
      for (Path module : modules.filter(m -> !m.getFileName().toString().equals("tokenstore-core")).toList()) {
        Path main = module.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          uses(main, false).forEach((from, targets) -> targets.getOrDefault(ROOT + ".internal", Set.of())
              .forEach(f -> offending.add(module.getFileName() + "/" + f)));
        }
      }
    }
    assertThat(offending).as("files outside tokenstore-core that use dev.tokenstore.internal").isEmpty();
  }
}
