package dev.tokenstore.server;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.testservers.ChildJvms;
import java.time.Duration;

/**
 * One {@code tokenstore serve} instance in its own JVM, as the CLI builds it: {@code STORE_URI ACCOUNTS_URL
 * API_DOMAIN LEASE_MILLIS [REFRESH_AHEAD_MILLIS]}. Prints {@code PORT n}, then waits for the parent's GO and serves until killed.
 */
public final class ServeChild {
  private ServeChild() {}

  public static void main(String[] args) throws Exception {
    TokenStore store = TokenStores.open(args[0]);
    TokenServer.Builder b = TokenServer.builder(store)
        .port(0)
        .accessLog(false)
        .environment(Environment.zohoAccounts(args[1], args[2]))
        .managerSettings(m -> m.leaseTime(Duration.ofMillis(Long.parseLong(args[3]))));
    if (args.length > 4) {
      b.refreshAhead(Duration.ofMillis(Long.parseLong(args[4])));
    }
    TokenServer server = b.build().start();
    System.out.println("PORT " + server.port());
    ChildJvms.awaitGo();
    server.awaitStop();
  }
}
