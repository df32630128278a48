package dev.tokenstore.redis;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A separate JVM for {@link RedisMultiProcessTest}: opens the store, waits for the start signal
 * ({@link ChildJvms#awaitGo()}), then saves from several threads distinct users ({@code w<worker>-t<thread>-u<i>})
 * and, in between, the shared user {@code shared@example.com}; prints {@code SAVED <user> <id>} per distinct user
 * and DONE at the end (or fails with the stack trace and a non-zero exit code).
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
      ChildJvms.awaitGo();
      ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
      ChildJvms.inThreads(threads, thread -> {
        for (int i = 0; i < perThread; i++) {
          String user = "w" + worker + "-t" + thread + "-u" + i + "@example.com";
          OAuthToken saved = store.saveToken(OAuthToken.builder().userName(user).clientId("c")
              .refreshToken("r-" + user).accessToken("a-" + user).build());
          out.add("SAVED " + user + " " + saved.id());
          store.saveToken(OAuthToken.builder().userName("shared@example.com").clientId("c")
              .refreshToken("r-shared").accessToken("a-shared-" + worker + "-" + thread + "-" + i).build());
        }
      });
      for (String line : out) {
        System.out.println(line);
      }
      System.out.println("DONE");
      System.out.flush();
    }
  }
}
