package dev.tokenstore.file;

import dev.tokenstore.OAuthToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          try (FileTokenStore store = FileTokenStore.open(file)) {
            for (int i = 0; i < perThread; i++) {
              store.saveToken(FileStoreConcurrencyTest.user(prefix + "-t" + thread + "-u" + i + "@example.com"));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("DONE");
    System.exit(0);
  }
}
