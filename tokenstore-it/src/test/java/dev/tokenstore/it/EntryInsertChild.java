package dev.tokenstore.it;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.spi.EntryTable;
import dev.tokenstore.testservers.ChildJvms;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One child JVM of {@link EntryInsertMultiProcessTest}: opens the store, waits at the start barrier, then inserts
 * the entries {@code race-0} ... {@code race-<n-1>} of kind {@code api-key} with its own name as the value, as fast
 * as it can. Prints {@code WON <name>} for each insert that returned true, {@code FAIL <reason>}, and {@code DONE}.
 *
 * <p>Args: store URI, child name, number of names. Exit code 0 when nothing failed. Not thread-safe: a main
 * program with one thread.
 */
public final class EntryInsertChild {
  static final String KIND = "api-key";

  private EntryInsertChild() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String me = args[1];
    int names = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int failures = 0;
    try (TokenStore store = TokenStores.open(uri)) {
      EntryTable entries = store.capability(EntryTable.class).orElseThrow();
      entries.get(KIND, "warm-up"); // opens files and connections before the barrier
      ChildJvms.awaitGo();
      for (int i = 0; i < names; i++) {
        String name = "race-" + i;
        try {
          if (entries.insert(KIND, name, me)) {
            out.println("WON " + name);
          }
        } catch (RuntimeException e) {
          failures++;
          out.println("FAIL " + name + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
    }
    out.println("DONE");
    System.exit(failures == 0 ? 0 : 1);
  }
}
