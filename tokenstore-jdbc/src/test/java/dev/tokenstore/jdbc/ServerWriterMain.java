package dev.tokenstore.jdbc;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.ChildJvms;

/**
 * A child process for {@link ServerMultiProcessTest}: opens the store URI, waits for the start signal
 * ({@link ChildJvms#awaitGo()}), then each of {@code threads} threads saves {@code perThread} distinct users
 * (created with a refresh token, then updated with an access token, which must merge) and, between them, an access
 * token of the shared user. Exits 0, or non-zero on any failure (with the stack trace).
 * Arguments: store URI, process name, threads, users per thread, shared user.
 */
public final class ServerWriterMain {
  private ServerWriterMain() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String name = args[1];
    int threads = Integer.parseInt(args[2]);
    int perThread = Integer.parseInt(args[3]);
    String shared = args[4];
    try (TokenStore store = TokenStores.open(uri)) {
      ChildJvms.awaitGo();
      ChildJvms.inThreads(threads, n -> {
        for (int i = 0; i < perThread; i++) {
          String user = name + "-t" + n + "-u" + i + "@example.com";
          store.saveToken(OAuthToken.builder().userName(user).clientId("1000.C")
              .refreshToken("r-" + name + "-" + n + "-" + i).build());
          store.saveToken(OAuthToken.builder().userName(shared).clientId("1000.C")
              .accessToken("a-" + name + "-" + n + "-" + i).build());
          store.saveToken(OAuthToken.builder().userName(user).clientId("1000.C")
              .accessToken("a-" + name + "-" + n + "-" + i).build());
        }
      });
    }
    System.exit(0);
  }
}
