package dev.tokenstore.file;

import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Path;

/**
 * A writer process for {@link FileStoreConcurrencyTest}: {@code <file> <prefix> <threads> <per-thread>}. Each
 * thread opens its own store on the file and saves distinct users, then prints {@code DONE}. Exit code 0 only if
 * every save succeeded.
 */
public final class ConcurrentWriterMain {
  private ConcurrentWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String prefix = args[1];
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    ChildJvms.inThreads(threads, thread -> {
      try (FileTokenStore store = FileTokenStore.open(file)) {
        for (int i = 0; i < perThread; i++) {
          store.saveToken(FileStoreConcurrencyTest.user(prefix + "-t" + thread + "-u" + i + "@example.com"));
        }
      }
    });
    System.out.println("DONE");
    System.exit(0);
  }
}
