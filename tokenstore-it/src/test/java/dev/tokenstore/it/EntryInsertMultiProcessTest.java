package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code EntryTable.insert} has exactly one winner across processes: four child JVMs ({@link EntryInsertChild})
 * start together and insert the same 100 names into one store, the CSV file store (its {@code <name>.entries}
 * under the OS lock) and one SQLite file. For every name exactly one process was told it created the entry, and
 * the stored value is that process's. All waits are bounded; every child is killed at the end.
 */
class EntryInsertMultiProcessTest {
  private static final int PROCESSES = 4;
  private static final int NAMES = 100;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite"})
  void exactlyOneProcessWinsEachName(String kind) throws Exception {
    String uri = SharedStores.uri(kind, dir);
    try (ChildJvms children = ChildJvms.start(EntryInsertChild.class, PROCESSES,
        i -> List.of(uri, "p" + i, Integer.toString(NAMES)))) {
      children.startTogether(Duration.ofSeconds(60));
      children.joinAll(Duration.ofSeconds(120));
      Map<String, List<String>> winners = new HashMap<>();
      for (ChildJvms.Child c : children.children()) {
        assertThat(c.output()).doesNotContain("FAIL").contains("DONE");
        for (String line : c.lines()) {
          if (line.startsWith("WON ")) {
            winners.computeIfAbsent(line.substring(4), k -> new ArrayList<>()).add(c.name());
          }
        }
      }
      try (TokenStore store = TokenStores.open(uri)) {
        SortedMap<String, String> stored = store.capability(EntryTable.class).orElseThrow()
            .list(EntryInsertChild.KIND);
        assertThat(stored).hasSize(NAMES);
        for (int i = 0; i < NAMES; i++) {
          String name = "race-" + i;
          assertThat(winners.get(name)).as("processes whose insert of %s returned true", name).hasSize(1);
          assertThat(stored.get(name)).as("the value of %s is its winner's", name).isEqualTo(winners.get(name).get(0));
        }
        assertThat(store.getTokens()).as("entries are not tokens").isEmpty();
      }
      assertThat(winners.values().stream().mapToInt(List::size).sum()).isEqualTo(NAMES);
    }
  }
}
