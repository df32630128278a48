package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every jar module of the reactor has a stable {@code Automatic-Module-Name} ({@code dev.tokenstore.} and the
 * artifact id without {@code tokenstore-} and dashes), set through its {@code module.name} property and, where the
 * jar is built (a reactor {@code verify}), present in its manifest; and no two modules share a package (a split
 * package keeps jars off the module path). Reads the poms and sources only; cheap.
 */
class ModuleNamesTest {
  private static final Path REACTOR = Path.of("..");
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern PROPERTY = Pattern.compile("<module.name>([^<]+)</module.name>");

  private static List<Path> jarModules() throws IOException {
    List<Path> modules = new ArrayList<>();
    Matcher m = MODULE.matcher(Files.readString(REACTOR.resolve("pom.xml")));
    while (m.find()) {
      Path module = REACTOR.resolve(m.group(1));
      if (!Files.readString(module.resolve("pom.xml")).contains("<packaging>pom</packaging>")) {
        modules.add(module);
      }
    }
    return modules;
  }

  private static String expectedName(Path module) {
    return "dev.tokenstore." + module.getFileName().toString().replaceFirst("^tokenstore-", "").replace("-", "");
  }

  @Test
  void everyJarHasItsAutomaticModuleName() throws IOException {
    List<Path> modules = jarModules();
    assertThat(modules).hasSizeGreaterThanOrEqualTo(8);
    for (Path module : modules) {
      String expected = expectedName(module);
      Matcher p = PROPERTY.matcher(Files.readString(module.resolve("pom.xml")));
      assertThat(p.find() ? p.group(1) : null).as("module.name in %s/pom.xml", module.getFileName())
          .isEqualTo(expected);
      Path target = module.resolve("target");
      if (Files.isDirectory(target)) {
        try (Stream<Path> jars = Files.list(target)) {
          for (Path jar : jars.filter(j -> j.getFileName().toString().matches("tokenstore-.*\\.jar")).toList()) {
            try (JarFile f = new JarFile(jar.toFile())) {
              assertThat(f.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                  .as("Automatic-Module-Name of %s", jar).isEqualTo(expected);
            }
          }
        }
      }
    }
  }

  @Test
  void noTwoModulesShareAPackage() throws IOException {
    Map<String, String> owner = new HashMap<>();
    List<String> split = new ArrayList<>();
    for (Path module : jarModules()) {
      Path main = module.resolve("src/main/java");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(main)) {
        files.filter(f -> f.toString().endsWith(".java")).map(f -> main.relativize(f.getParent()).toString()
            .replace(java.io.File.separatorChar, '.')).distinct().forEach(pkg -> {
              String previous = owner.putIfAbsent(pkg, module.getFileName().toString());
              if (previous != null && !previous.equals(module.getFileName().toString())) {
                split.add(pkg + " in " + previous + " and " + module.getFileName());
              }
            });
      }
    }
    assertThat(split).as("packages in more than one module").isEmpty();
  }
}
