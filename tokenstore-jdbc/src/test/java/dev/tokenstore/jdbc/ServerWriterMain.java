package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A child process for {@link ServerMultiProcessTest}: opens the store URI, prints "ready", waits for the start
 * signal file, then each of {@code threads} threads saves {@code perThread} distinct users (created with a refresh
 * token, then updated with an access token, which must merge) and, between them, an access token of the shared
 * user. Exits 0, or 1 on any failure (with the stack trace), 2 if the signal never came.
 * Arguments: store URI, process name, threads, users per thread, shared user, start signal file.
 */
public final class ServerWriterMain {
  private ServerWriterMain() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String name = args[1];
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    String shared = args[4];
    Path go = Path.of(args[5]);
    try (TokenStore store = TokenStores.open(uri)) {
      System.out.println("ready");
      System.out.flush();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!Files.exists(go)) {
        if (System.nanoTime() > deadline) {
          System.exit(2);
        }
        Thread.sleep(5);
      }
      List<Thread> workers = new ArrayList<>();
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        int n = t;
        Thread w = new Thread(() -> {
          try {
            for (int i = 0; i < perThread; i++) {
              String user = name + "-t" + n + "-u" + i + "@example.com";
              store.saveToken(OAuthToken.builder().userName(user).clientId("1000.C")
                  .refreshToken("r-" + name + "-" + n + "-" + i).build());
              store.saveToken(OAuthToken.builder().userName(shared).clientId("1000.C")
                  .accessToken("a-" + name + "-" + n + "-" + i).build());
              store.saveToken(OAuthToken.builder().userName(user).clientId("1000.C")
                  .accessToken("a-" + name + "-" + n + "-" + i).build());
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
