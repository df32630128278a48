package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link SqliteMultiProcessTest}: opens the database, waits for the start signal file,
 * then saves {@code threads x perThread} distinct users and exits 0 (1 on any failure).
 * Arguments: database path, process name, threads, tokens per thread, start signal file.
 */
public final class SqliteWriterMain {
  private SqliteWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    String name = args[1];
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    Path go = Path.of(args[4]);
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      System.out.println("ready");
      System.out.flush();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!java.nio.file.Files.exists(go)) {
        if (System.nanoTime() > deadline) {
          System.exit(2);
        }
        Thread.sleep(5);
      }
      List<Thread> workers = new ArrayList<>();
      List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        int n = t;
        Thread w = new Thread(() -> {
          try {
            for (int i = 0; i < perThread; i++) {
              store.saveToken(OAuthToken.builder().userName(name + "-t" + n + "-u" + i + "@example.com")
                  .refreshToken("r-" + name + "-" + n + "-" + i).build());
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join(120_000);
      }
      if (!errors.isEmpty()) {
        errors.get(0).printStackTrace();
        System.exit(1);
      }
    }
    System.exit(0);
  }
}
