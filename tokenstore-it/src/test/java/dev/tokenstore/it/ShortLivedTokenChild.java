package dev.tokenstore.it;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.testservers.ChildJvms;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One child JVM of {@link ShortLivedTokenMultiProcessTest}: what a process such as {@code tokenstore
 * access-token} does, with a {@link TokenManager} on DEFAULT settings (the default five-minute refresh window,
 * longer than the emulator's short-lived tokens). After the start barrier it asks for the access token of one
 * record three times, then once more through a second manager (a later process with nothing in memory).
 *
 * <p>Args: emulator base URL, store URI, client id, client secret, token id. Before {@code READY} it opens the
 * store and reads the record once (so that a slow first store access does not fall after the barrier). Prints
 * {@code STARTED} when one of its managers calls the token endpoint to refresh, {@code GOT <fingerprint>} for
 * each access token handed out (a fingerprint, never the token), {@code FAIL <reason>}, and {@code DONE}. Exit
 * code 0 when there was no failure.
 */
public final class ShortLivedTokenChild {
  private ShortLivedTokenChild() {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String storeUri = args[1];
    OAuthToken byId = OAuthToken.builder().id(args[4]).clientId(args[2]).clientSecret(args[3]).build();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int failures = 0;
    try (TokenStore store = TokenStores.open(storeUri)) {
      if (store.findTokenById(args[4]).isEmpty()) {
        out.println("FAIL the record is not in the store");
        System.exit(1);
      }
      TokenManager first = manager(store, base, out);
      TokenManager later = manager(store, base, out);
      ChildJvms.awaitGo();
      try {
        for (int i = 0; i < 3; i++) {
          out.println("GOT " + Secrets.redact(first.accessToken(byId)));
        }
        out.println("GOT " + Secrets.redact(later.accessToken(byId)));
      } catch (RuntimeException e) {
        failures++;
        out.println("FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    out.println("DONE");
    System.exit(failures == 0 ? 0 : 1);
  }

  /** A manager with default settings; only the listener is set, to report refresh calls. */
  private static TokenManager manager(TokenStore store, String base, PrintStream out) {
    return TokenManager.builder()
        .store(store)
        .environment(Environment.zohoAccounts(base, base))
        .listener(e -> {
          if (e.type() == TokenEvent.Type.REFRESH_STARTED) {
            out.println("STARTED");
          }
        })
        .build();
  }
}
