package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.oauth.TokenPages;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that work on stored tokens. Each is not thread-safe (one per run). */
final class TokenCommands {
  private TokenCommands() {}

  /** Reads a secret given as {@code -} from stdin (so it does not show in the process list). */
  static String valueOrStdin(String value, String what) {
    if (!value.equals("-")) {
      return value;
    }
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line = r.readLine();
      if (line == null || line.isBlank()) {
        throw new CliException(ExitCodes.USAGE, "Expected the " + what + " on stdin, got nothing.");
      }
      return line.strip();
    } catch (IOException e) {
      throw new CliException("Could not read the " + what + " from stdin: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Command(name = "exchange", mixinStandardHelpOptions = true,
      description = {
        "Exchanges a grant token (e.g. Zoho's self-client) and stores the tokens.",
        "Without --user, Zoho's current-user API names the token."
      })
  static final class Exchange implements Callable<Integer> {
    @Mixin StoreSession session;

    @Option(names = "--grant-token", paramLabel = "CODE", required = true,
        description = "The grant token (authorization code); '-' reads it from stdin.")
    String grantToken;

    @Option(names = "--redirect-url", paramLabel = "URL",
        description = "The redirect URL the code was issued for (not needed for Zoho's self-client).")
    @Nullable String redirectUrl;

    @Option(names = "--user", paramLabel = "NAME", description = "Store the token under this user name.")
    @Nullable String user;

    @Override
    public Integer call() {
      Authorizer client = session.authorizer();
      String code = valueOrStdin(grantToken, "grant token");
      session.save("Exchanged", (store, env) -> client.exchange(store, env, redirectUrl, code, null, user));
      return ExitCodes.OK;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {
        "Stores a refresh token the user already has.",
        "It is checked by refreshing it once at the server (also when it is already stored).",
        "A refresh token stored for another user is refused, never renamed."
      })
  static final class Import implements Callable<Integer> {
    @Mixin StoreSession session;

    @Option(names = "--refresh-token", paramLabel = "TOKEN", required = true,
        description = "The refresh token; '-' reads it from stdin.")
    String refreshToken;

    @Option(names = "--user", paramLabel = "NAME", description = "Store the token under this user name.")
    @Nullable String user;

    @Override
    public Integer call() {
      Authorizer client = session.authorizer();
      String token = valueOrStdin(refreshToken, "refresh token");
      session.save("Imported", (store, env) -> client.importRefreshToken(store, env, token, user));
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {
        "Lists the stored tokens (secrets are not shown unless --reveal).",
        "Columns: id, user, client, API domain, status (valid, expiring, expired, not exchanged,",
        "needs re-authorization) and expiry.",
        "A record of an encrypted store that cannot be read (damaged, another key) is listed with status",
        "damaged and its error code, the others as usual; the command then exits with 1 and says on stderr",
        "what to do ('tokenstore delete ID', or restore the record)."
      })
  static final class ListTokens implements Callable<Integer> {
    @Mixin StoreSession session;

    @Option(names = "--reveal", description = "Also print the tokens and client secrets.")
    boolean reveal;

    @Override
    public Integer call() {
      List<TokenPages.Item> items;
      try (TokenStore store = session.open()) {
        Instant now = Instant.now();
        // a damaged record of an encrypted store does not hide the others; a readable store is read once
        items = TokenPages.allItems(store, now);
        StoreSupport.printList(session.out(), items, now, session.json(), reveal);
      }
      List<TokenPages.Item> damaged = items.stream().filter(i -> !i.readable()).toList();
      if (damaged.isEmpty()) {
        return ExitCodes.OK;
      }
      // the good records are listed; the bad ones are named here, with what to do
      PrintWriter err = session.err();
      err.println("error: " + damaged.size() + " of " + items.size() + (items.size() == 1 ? " record" : " records")
          + " cannot be read (status " + StoreSupport.DAMAGED + "); the others are listed.");
      for (TokenPages.Item i : damaged) {
        TokenstoreException e = Objects.requireNonNull(i.error());
        err.println("  id " + TerminalText.escape(i.id()) + (i.userName() == null ? "" : " (user "
            + TerminalText.escape(i.userName()) + ")") + ": [" + e.code() + "] "
            + TerminalText.lines(String.valueOf(e.getMessage())));
      }
      String first = TerminalText.escape(damaged.get(0).id());
      err.println("Restore such a record from a backup, or delete it ('tokenstore delete " + first + "'; it is not "
          + "revoked at the server) and authorize its user again ('tokenstore login'). 'tokenstore rekey' "
          + "re-encrypts the records that can be read and reports the others.");
      err.flush();
      return ExitCodes.FAILURE;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Shows one stored token; secrets as fingerprints unless --reveal.")
  static final class Show implements Callable<Integer> {
    @Mixin StoreSession.OneToken session;

    @Option(names = "--reveal", description = "Also print the tokens and the client secret.")
    boolean reveal;

    @Override
    public Integer call() {
      try (StoreSession.Found found = session.find()) {
        StoreSupport.printToken(session.out(), found.token(), Instant.now(), session.json(), reveal);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "access-token", mixinStandardHelpOptions = true,
      description = {
        "Prints only a valid access token, for scripts.",
        "The token is refreshed first if it expires within 5 minutes (a token that lives shorter: once past half",
        "of its lifetime). Example:",
        "  curl -H \"Authorization: Zoho-oauthtoken $(tokenstore access-token --user me@example.com)\" ...",
        "Exits with 3 when the server no longer accepts the refresh token."
      })
  static final class AccessToken implements Callable<Integer> {
    @Mixin StoreSession.OneToken session;

    @Override
    public Integer call() {
      try (StoreSession.Found found = session.find()) {
        session.println(found.manager().accessToken(found.byId()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "refresh", mixinStandardHelpOptions = true,
      description = "Refreshes a token if it expires within 5 minutes (or, living shorter, is past half of its "
          + "lifetime), or now with --force.")
  static final class Refresh implements Callable<Integer> {
    @Mixin StoreSession.OneToken session;

    @Option(names = "--force", description = "Refresh now, whatever the expiry.")
    boolean force;

    @Override
    public Integer call() {
      try (StoreSession.Found found = session.find()) {
        TokenManager m = found.manager();
        OAuthToken t = force ? m.refresh(found.byId()) : m.getToken(found.byId());
        boolean refreshed = !Objects.equals(t.accessToken(), found.token().accessToken());
        if (session.json()) {
          StoreSupport.printToken(session.out(), t, Instant.now(), true, false);
        } else {
          session.println((refreshed ? "Refreshed" : "Still valid, not refreshed (use --force)") + ": token id "
              + TerminalText.escape(t.id()) + (t.userName() == null ? "" : " of user "
              + TerminalText.escape(t.userName())) + ", access token expires "
              + StoreSupport.expiry(t, Instant.now()));
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revokes a token at the server, then deletes it from the store.")
  static final class Revoke implements Callable<Integer> {
    @Mixin StoreSession.OneToken session;

    @Override
    public Integer call() {
      try (StoreSession.Found found = session.find()) {
        found.manager().revoke(found.byId());
        OAuthToken stored = found.token();
        Environment env = found.environment();
        session.println("Revoked token id " + TerminalText.escape(stored.id())
            + (stored.userName() == null ? "" : " of user " + TerminalText.escape(stored.userName()))
            + (env.revokeUrl().isPresent() ? " at " + env.name() : " (the server has no revoke URL: deleted locally only)")
            + " and deleted it from the store.");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = {
        "Deletes one token or all tokens from the store (not revoked at the server).",
        "Use 'revoke' to revoke at the server too. Asks first unless --yes; refuses without --yes",
        "when not on a terminal."
      })
  static final class Delete implements Callable<Integer> {
    @Mixin StoreSession session;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "The id of the token to delete.")
    @Nullable String id;

    @Option(names = "--all", description = "Delete every token of the store.")
    boolean all;

    @Option(names = {"--yes", "-y"}, description = "Do not ask.")
    boolean yes;

    @Override
    public Integer call() {
      if ((id == null) == !all) {
        throw new CliException(ExitCodes.USAGE, "Give either a token ID or --all (see 'tokenstore delete --help').");
      }
      try (TokenStore store = session.open()) {
        if (all) {
          int n = count(store);
          if (n == 0) {
            session.println("The store holds no tokens; nothing deleted.");
            return ExitCodes.OK;
          }
          confirm("Delete all " + n + " tokens from " + StoreSupport.show(session.storeUri())
              + "? They are not revoked at the server.");
          store.deleteTokens();
          session.println("Deleted " + n + " tokens.");
        } else {
          String target = Objects.requireNonNull(id);
          String about;
          try {
            OAuthToken t = store.findTokenById(target).orElseThrow(() -> new StoreException(
                ErrorCode.TOKEN_NOT_FOUND, "No stored token has id " + id + ". See 'tokenstore list'."));
            about = t.userName() == null ? "" : " of user " + TerminalText.escape(t.userName());
          } catch (TokenstoreException e) {
            if (!TokenPages.UNREADABLE_RECORD.contains(e.code())) {
              throw e;
            }
            // a record the keyring cannot read (damaged, another key): deleting it is the way out
            about = " (its secrets cannot be read: [" + e.code() + "])";
          }
          confirm("Delete token id " + TerminalText.escape(target) + about + "? It is not revoked at the server.");
          if (!store.deleteToken(target)) {
            throw new StoreException(ErrorCode.TOKEN_NOT_FOUND, "No stored token has id " + id + ". See "
                + "'tokenstore list'.");
          }
          session.println("Deleted token id " + TerminalText.escape(id) + ".");
        }
      }
      return ExitCodes.OK;
    }

    /**
     * The records in the store; in an encrypted store also those the keyring cannot read (counted without reading
     * their secrets), which {@code --all} deletes too.
     */
    private static int count(TokenStore store) {
      try {
        return store.getTokens().size();
      } catch (TokenstoreException e) {
        if (store instanceof EncryptedTokenStore enc && TokenPages.UNREADABLE_RECORD.contains(e.code())) {
          return enc.keyUsage().records();
        }
        throw e;
      }
    }

    private void confirm(String question) {
      if (yes) {
        return;
      }
      Console console = System.console();
      if (console == null) {
        throw new CliException("Refusing to delete without confirmation: this is not a terminal. Pass --yes.");
      }
      String answer = console.readLine("%s [y/N] ", question);
      if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).startsWith("y")) {
        throw new CliException("Nothing deleted.");
      }
    }
  }
}
