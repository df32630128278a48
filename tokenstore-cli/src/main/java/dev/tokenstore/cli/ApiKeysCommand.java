package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.TokenStore;
import dev.tokenstore.server.ApiKey;
import dev.tokenstore.server.ApiKeys;
import dev.tokenstore.server.ApiScope;
import dev.tokenstore.server.NewApiKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenstore api-keys}: makes, lists and revokes the API keys of {@code tokenstore serve}. They are kept in
 * the store (hashed), so every instance on it accepts them. Not thread-safe (one per run).
 */
@Command(
    name = "api-keys",
    mixinStandardHelpOptions = true,
    description = {
      "Makes, lists and revokes the API keys of 'tokenstore serve', kept hashed in the store so that every "
          + "instance on it sees them.",
      "  KEY=$(tokenstore --store postgresql://db/tokens api-keys create --name portal)",
      "  tokenstore --store postgresql://db/tokens api-keys list",
      "  tokenstore --store postgresql://db/tokens api-keys revoke portal",
      "Scopes: read (get access tokens, list tokens) and admin (also store, delete and revoke tokens)."
    },
    subcommands = {ApiKeysCommand.Create.class, ApiKeysCommand.ListKeys.class, ApiKeysCommand.Revoke.class})
final class ApiKeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: create, list or revoke "
        + "(see 'tokenstore api-keys --help').");
  }

  /** {@code api-keys create --name NAME [--scope read|admin]}. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Makes a key and prints it alone on stdout (the only time it is shown; --json gives "
          + "{\"name\",\"key\",\"scope\"}).")
  static final class Create implements Callable<Integer> {
    @Mixin StoreSession session;

    @Option(names = "--name", required = true, paramLabel = "NAME",
        description = "The key's name: letters, digits, '.', '_', '-'.")
    String name = "";

    @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "read",
        description = "read (default) or admin.")
    String scope = "read";

    @Override
    public Integer call() {
      ApiScope s = ApiScope.of(scope);
      try (TokenStore store = session.openToAdd()) {
        NewApiKey k = ApiKeys.of(store).create(name, s);
        if (session.json()) {
          ObjectNode n = StoreSupport.json().createObjectNode();
          n.put("name", k.name()).put("key", k.key()).put("scope", k.scope().label());
          StoreSupport.printJson(session.out(), n);
        } else {
          session.out().println(k.key());
          session.out().flush();
          session.err().println("API key '" + k.name() + "' (" + k.scope().label() + ") made: shown once, keep it "
              + "now. It works on every 'tokenstore serve' on " + StoreSupport.show(session.storeUri()) + ".");
        }
      }
      return 0;
    }
  }

  /** {@code api-keys list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the keys (never the keys "
      + "themselves: name, scope, created, fingerprint).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin StoreSession session;

    @Override
    public Integer call() {
      List<ApiKey> keys;
      try (TokenStore store = session.open()) {
        keys = ApiKeys.of(store).list();
      }
      if (session.json()) {
        ArrayNode a = StoreSupport.json().createArrayNode();
        for (ApiKey k : keys) {
          a.addObject().put("name", k.name()).put("scope", k.scope().label()).put("created", k.created().toString())
              .put("fingerprint", k.fingerprint());
        }
        StoreSupport.printJson(session.out(), a);
        return 0;
      }
      if (keys.isEmpty()) {
        session.println("No API keys. Make one: tokenstore api-keys create --name NAME");
        return 0;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "SCOPE", "CREATED", "FINGERPRINT"});
      for (ApiKey k : keys) {
        rows.add(new String[] {TerminalText.escape(k.name()), k.scope().label(), k.created().toString(),
            TerminalText.escape(k.fingerprint())});
      }
      StoreSupport.printTable(session.out(), rows);
      return 0;
    }
  }

  /** {@code api-keys revoke NAME}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Deletes a key; every instance refuses it within a second.")
  static final class Revoke implements Callable<Integer> {
    @Mixin StoreSession session;

    @Parameters(paramLabel = "NAME", description = "The key's name.")
    String name = "";

    @Override
    public Integer call() {
      boolean existed;
      try (TokenStore store = session.open()) {
        existed = ApiKeys.of(store).revoke(name);
      }
      if (!existed) {
        throw new CliException("No API key is named '" + TerminalText.escape(name) + "'. See 'tokenstore api-keys "
            + "list'.");
      }
      session.println("API key '" + TerminalText.escape(name) + "' revoked.");
      return 0;
    }
  }
}
