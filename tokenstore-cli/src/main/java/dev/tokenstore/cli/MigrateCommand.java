package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokenstore migrate}: copies every token between two stores, idempotently. Not thread-safe (one per run). */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Copies every token from one store to another, idempotently.",
      "For example Zoho's sdk_tokens.txt to SQLite or PostgreSQL:",
      "  tokenstore migrate --from file:sdk_tokens.txt --to sqlite:tokens.db",
      "Idempotent: a token already in the target (same id, or same user/client/API domain, or same refresh",
      "token) is updated if it differs and skipped if equal. Ids are kept where the target has them free.",
      "Prints how many were copied, updated and skipped; a progress bar on stderr on a terminal."
    })
final class MigrateCommand implements Callable<Integer> {
  @Mixin StoreSession session;

  @Option(names = "--from", paramLabel = "URI", required = true, description = "The store to copy from.")
  String from;

  @Option(names = "--to", paramLabel = "URI", required = true, description = "The store to copy to.")
  String to;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: only when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() {
    String fromUri = StoreSession.expandHome(from);
    String toUri = StoreSession.expandHome(to);
    if (fromUri.equals(toUri)) {
      throw new CliException(ExitCodes.USAGE, "--from and --to name the same store.");
    }
    int copied = 0;
    int updated = 0;
    int skipped = 0;
    try (TokenStore source = StoreSupport.open(fromUri);
        TokenStore target = StoreSupport.open(toUri)) {
      List<OAuthToken> tokens = source.getTokens();
      boolean bar = progress != null ? progress : System.console() != null;
      Progress p = new Progress(session.err(), tokens.size(), bar && !tokens.isEmpty());
      for (OAuthToken t : tokens) {
        Optional<OAuthToken> existing = match(target, t);
        if (existing.isEmpty()) {
          OAuthToken keepId = t;
          if (t.id() != null && target.findTokenById(t.id()).isPresent()) {
            keepId = t.toBuilder().id(null).build(); // the id is taken by another token
          }
          target.saveToken(keepId);
          copied++;
        } else if (sameContent(existing.get(), t)) {
          skipped++;
        } else {
          target.saveToken(t.toBuilder().id(existing.get().id()).build());
          updated++;
        }
        p.step();
      }
      p.done();
    }
    if (session.json()) {
      ObjectNode n = StoreSupport.JSON.createObjectNode();
      n.put("copied", copied);
      n.put("updated", updated);
      n.put("skipped", skipped);
      StoreSupport.printJson(session.out(), n);
    } else {
      session.println("Migrated " + (copied + updated + skipped) + " tokens from " + StoreSupport.show(fromUri)
          + " to " + StoreSupport.show(toUri) + ": copied " + copied + ", updated " + updated + ", skipped "
          + skipped + " (unchanged).");
    }
    return ExitCodes.OK;
  }

  /** The target's record for {@code t}: the same id holding the same token, else by the store's matching rules. */
  private static Optional<OAuthToken> match(TokenStore target, OAuthToken t) {
    if (t.id() != null) {
      Optional<OAuthToken> byId = target.findTokenById(t.id());
      if (byId.isPresent() && sameIdentity(byId.get(), t)) {
        return byId;
      }
    }
    OAuthToken query = t.toBuilder().id(null).build();
    if (query.userName() == null && query.refreshToken() == null && query.grantToken() == null) {
      query = OAuthToken.builder().accessToken(t.accessToken()).build();
    }
    return target.findToken(query);
  }

  private static boolean sameIdentity(OAuthToken a, OAuthToken b) {
    if (a.userName() != null || b.userName() != null) {
      return Objects.equals(a.userName(), b.userName()) && Objects.equals(a.clientId(), b.clientId())
          && Objects.equals(a.apiDomain(), b.apiDomain());
    }
    return Objects.equals(a.refreshToken(), b.refreshToken()) && Objects.equals(a.grantToken(), b.grantToken())
        && Objects.equals(a.accessToken(), b.accessToken());
  }

  private static boolean sameContent(OAuthToken a, OAuthToken b) {
    return a.toBuilder().id(null).build().equals(b.toBuilder().id(null).build());
  }

  /** A one-line progress bar, redrawn at most 100 times. */
  private static final class Progress {
    private final PrintWriter err;
    private final int total;
    private final boolean on;
    private int done;
    private int shown = -1;

    Progress(PrintWriter err, int total, boolean on) {
      this.err = err;
      this.total = total;
      this.on = on;
    }

    void step() {
      done++;
      if (!on) {
        return;
      }
      int pct = (int) (100L * done / total);
      if (pct != shown) {
        shown = pct;
        int filled = pct * 30 / 100;
        err.print("\r[" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + pct + "% " + done + "/" + total);
        err.flush();
      }
    }

    void done() {
      if (on) {
        err.println();
        err.flush();
      }
    }
  }
}
