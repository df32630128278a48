package dev.tokenstore.redis;

import dev.tokenstore.OAuthToken;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A separate JVM for {@link RedisMultiProcessTest}: opens the store, prints READY, waits for GO on stdin, then
 * saves from several threads distinct users ({@code w<worker>-t<thread>-u<i>}) and, in between, the shared
 * user {@code shared@example.com}; prints {@code SAVED <user> <id>} per distinct user and DONE at the end.
 */
public final class RedisSaveWorker {
  private RedisSaveWorker() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int worker = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    try (RedisTokenStore store = RedisTokenStore.open(uri)) {
      store.getTokens(); // connect before the start signal
      System.out.println("READY");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (!"GO".equals(in.readLine())) {
        System.exit(3);
      }
      ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      List<Thread> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Thread th = new Thread(() -> {
          try {
            for (int i = 0; i < perThread; i++) {
              String user = "w" + worker + "-t" + thread + "-u" + i + "@example.com";
              OAuthToken saved = store.saveToken(OAuthToken.builder().userName(user).clientId("c")
                  .refreshToken("r-" + user).accessToken("a-" + user).build());
              out.add("SAVED " + user + " " + saved.id());
              store.saveToken(OAuthToken.builder().userName("shared@example.com").clientId("c")
                  .refreshToken("r-shared").accessToken("a-shared-" + worker + "-" + thread + "-" + i).build());
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        th.start();
        all.add(th);
      }
      for (Thread th : all) {
        th.join();
      }
      for (String line : out) {
        System.out.println(line);
      }
      for (Throwable e : errors) {
        System.out.println("ERROR " + e);
      }
      System.out.println(errors.isEmpty() ? "DONE" : "FAILED");
      System.out.flush();
    }
  }
}
