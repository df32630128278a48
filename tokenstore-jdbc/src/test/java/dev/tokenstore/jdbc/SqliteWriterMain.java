package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.nio.file.Path;

/**
 * A child process for {@link SqliteMultiProcessTest}: opens the database, waits for the start signal
 * ({@link ChildJvms#awaitGo()}), then saves {@code threads x perThread} distinct users and exits 0 (non-zero, with
 * the stack trace, on any failure). Arguments: database path, process name, threads, tokens per thread.
 */
public final class SqliteWriterMain {
  private SqliteWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    String name = args[1];
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    try (JdbcTokenStore store = JdbcTokenStore.sqlite(db)) {
      ChildJvms.awaitGo();
      ChildJvms.inThreads(threads, n -> {
        for (int i = 0; i < perThread; i++) {
          store.saveToken(OAuthToken.builder().userName(name + "-t" + n + "-u" + i + "@example.com")
              .refreshToken("r-" + name + "-" + n + "-" + i).build());
        }
      });
    }
    System.exit(0);
  }
}
