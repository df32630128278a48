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
import org.junit.jupiter.api.io.TempDir;

/**
 * Package boundaries, read from the main sources (imports and fully qualified references; comments and string
 * literals ignored; wildcard imports count): {@code spi} never uses {@code internal}, {@code internal} never uses
 * {@code oauth}, the packages of the core form no cycle of any length (the root and {@code spi} count as one), and
 * no other module uses the core's {@code internal}. Cheap: it reads a hundred files.
 */
class PackageDependenciesTest {
  private static final Path MAIN = Path.of("src/main/java/dev/tokenstore");
  private static final String ROOT = "dev.tokenstore";
  /** A class of a package, or a whole package ({@code import dev.tokenstore.internal.*;}). */
  private static final Pattern REFERENCE =
      Pattern.compile("\\bdev\\.tokenstore((?:\\.[a-z][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");
  private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile(
      "/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'", Pattern.DOTALL);

  /**
   * Packages that may use each other, counted as one in the search for cycles (so that no longer cycle hides
   * behind them): the root package's {@code TokenStores} opens stores through {@code spi.TokenStoreProvider}, and
   * the SPI speaks the root's {@code OAuthToken} and {@code TokenStore}.
   */
  private static final Map<String, String> ONE_UNIT = Map.of(ROOT + ".spi", ROOT);

  /** Package of the using file -> package used -> files (relative to {@link #MAIN}) with such a use. */
  private static Map<String, Map<String, Set<String>>> uses(Path root) {
    Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String rel = root.relativize(f).toString().replace('\\', '/');
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
    assertThat(filesOf(uses(MAIN), ROOT + ".spi", ROOT + ".internal"))
        .as("files of dev.tokenstore.spi that use dev.tokenstore.internal").isEmpty();
  }

  @Test
  void internalDoesNotUseOauth() {
    assertThat(filesOf(uses(MAIN), ROOT + ".internal", ROOT + ".oauth"))
        .as("files of dev.tokenstore.internal that use dev.tokenstore.oauth").isEmpty();
  }

  @Test
  void thePackagesFormNoCycle() {
    assertThat(cycles(uses(MAIN))).as("package cycles (root and spi count as one)").isEmpty();
  }

  /** The test's own check: it finds a cycle of three packages and one made by a wildcard import. */
  @Test
  void theCycleCheckFindsLongCyclesAndWildcardImports(@TempDir Path dir) throws IOException {
    write(dir, "a/A.java", "package dev.tokenstore.a; import dev.tokenstore.b.B; class A {}");
    write(dir, "b/B.java", "package dev.tokenstore.b; class B { dev.tokenstore.c.C c; }");
    write(dir, "c/C.java", "package dev.tokenstore.c; import dev.tokenstore.a.*; class C {}");
    write(dir, "d/D.java", "package dev.tokenstore.d; /* dev.tokenstore.a.A */ class D { String s = \"dev.tokenstore.e.E\"; }");
    assertThat(cycles(uses(dir))).singleElement().asString()
        .contains("dev.tokenstore.a", "dev.tokenstore.b", "dev.tokenstore.c").doesNotContain("dev.tokenstore.d");
  }

  private static void write(Path dir, String file, String source) throws IOException {
    Path f = dir.resolve(file);
    Files.createDirectories(f.getParent());
    Files.writeString(f, source);
  }

  /** Every cycle of the package graph (after {@link #ONE_UNIT}), each as its packages in order. */
  private static List<String> cycles(Map<String, Map<String, Set<String>>> uses) {
    Map<String, Set<String>> graph = new TreeMap<>();
    uses.forEach((from, targets) -> targets.keySet().forEach(to -> {
      String a = ONE_UNIT.getOrDefault(from, from);
      String b = ONE_UNIT.getOrDefault(to, to);
      if (!a.equals(b)) {
        graph.computeIfAbsent(a, k -> new TreeSet<>()).add(b);
      }
    }));
    List<String> found = new ArrayList<>();
    Set<String> done = new TreeSet<>();
    for (String start : graph.keySet()) {
      walk(start, graph, new ArrayList<>(), done, found);
    }
    return found;
  }

  private static void walk(String node, Map<String, Set<String>> graph, List<String> path, Set<String> done,
      List<String> found) {
    int at = path.indexOf(node);
    if (at >= 0) {
      found.add(String.join(" -> ", path.subList(at, path.size())) + " -> " + node);
      return;
    }
    if (done.contains(node)) {
      return;
    }
    path.add(node);
    for (String next : graph.getOrDefault(node, Set.of())) {
      walk(next, graph, path, done, found);
    }
    path.remove(path.size() - 1);
    done.add(node);
  }

  @Test
  void noOtherModuleUsesTheCoresInternals() throws IOException {
    List<String> offending = new ArrayList<>();
    try (Stream<Path> modules = Files.list(Path.of(".."))) {
      for (Path module : modules.filter(m -> !m.getFileName().toString().equals("tokenstore-core")).toList()) {
        Path main = module.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          uses(main).forEach((from, targets) -> targets.getOrDefault(ROOT + ".internal", Set.of())
              .forEach(f -> offending.add(module.getFileName() + "/" + f)));
        }
      }
    }
    assertThat(offending).as("files outside tokenstore-core that use dev.tokenstore.internal").isEmpty();
  }
}
