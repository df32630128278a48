package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStoreException;
import dev.tokenstore.oauth.DataCenter;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code tokenstore} command: global options (each also from a {@code TOKENSTORE_*} environment variable) and
 * the helpers every subcommand uses to open the store and build the environment. Not thread-safe (one per run).
 */
@Command(
    name = "tokenstore",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description = {
      "Keeps OAuth 2.0 tokens (Zoho's or any server's) for many users.",
      "Log in, list, hand out, refresh, revoke and move tokens between stores. Start with 'tokenstore demo'.",
      ""
    },
    subcommands = {
      DemoCommand.class,
      LoginCommand.class,
      TokenCommands.Exchange.class,
      TokenCommands.Import.class,
      TokenCommands.ListTokens.class,
      TokenCommands.Show.class,
      TokenCommands.AccessToken.class,
      TokenCommands.Refresh.class,
      TokenCommands.Revoke.class,
      TokenCommands.Delete.class,
      MigrateCommand.class,
      DoctorCommand.class,
      EmulatorCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = ExitCodes.FOOTER
        + "%nEnvironment variables (instead of the options):%n"
        + "  TOKENSTORE_STORE, TOKENSTORE_DC, TOKENSTORE_ENV, TOKENSTORE_ACCOUNTS_URL,%n"
        + "  TOKENSTORE_AUTH_URL, TOKENSTORE_TOKEN_URL, TOKENSTORE_REVOKE_URL,%n"
        + "  TOKENSTORE_API_URL, TOKENSTORE_CLIENT_ID, TOKENSTORE_CLIENT_SECRET,%n"
        + "  TOKENSTORE_VERBOSE=true%n")
public final class TokenstoreCommand implements Runnable {
  static final String DEFAULT_STORE_DESCRIPTION = "sqlite:~/.tokenstore/tokens.db";

  @Spec CommandSpec spec;

  @Option(names = "--store", paramLabel = "URI", scope = ScopeType.INHERIT,
      description = "Token store: sqlite:PATH, file:PATH (Zoho's sdk_tokens.txt), memory:, or a server store's URI "
          + "(env TOKENSTORE_STORE; default " + DEFAULT_STORE_DESCRIPTION + ").")
  @Nullable String store;

  @Option(names = "--dc", paramLabel = "DC", scope = ScopeType.INHERIT, defaultValue = "${env:TOKENSTORE_DC}",
      description = "Zoho data centre: ${COMPLETION-CANDIDATES} (env TOKENSTORE_DC; default us).")
  @Nullable DataCenter dc;

  @Option(names = "--env", paramLabel = "KIND", scope = ScopeType.INHERIT, defaultValue = "${env:TOKENSTORE_ENV}",
      description = "Zoho API: ${COMPLETION-CANDIDATES} (env TOKENSTORE_ENV; default production).")
  Environment.@Nullable Kind kind;

  @Option(names = "--accounts-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_ACCOUNTS_URL}",
      description = "Any server with Zoho's accounts paths (/oauth/v2/auth, /oauth/v2/token, /oauth/v2/token/revoke),"
          + " e.g. the emulator (env TOKENSTORE_ACCOUNTS_URL).")
  @Nullable String accountsUrl;

  @Option(names = "--auth-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_AUTH_URL}", description = "Authorization endpoint of an OAuth 2.0 server.")
  @Nullable String authUrl;

  @Option(names = "--token-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_TOKEN_URL}",
      description = "Token endpoint of an OAuth 2.0 server (RFC 6749); with it, --auth-url, --revoke-url (RFC 7009) "
          + "and --api-url describe any server.")
  @Nullable String tokenUrl;

  @Option(names = "--revoke-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_REVOKE_URL}", description = "Revocation endpoint (RFC 7009).")
  @Nullable String revokeUrl;

  @Option(names = "--api-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_API_URL}", description = "API base URL the tokens are used with.")
  @Nullable String apiUrl;

  @Option(names = "--client-id", paramLabel = "ID", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_CLIENT_ID}", description = "OAuth client id (env TOKENSTORE_CLIENT_ID).")
  @Nullable String clientId;

  @Option(names = "--client-secret", paramLabel = "SECRET", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_CLIENT_SECRET}",
      description = "OAuth client secret (env TOKENSTORE_CLIENT_SECRET; prefer the variable: arguments show in ps).")
  @Nullable String clientSecret;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print results as JSON.")
  boolean json;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Log the library's messages and print stack traces on stderr.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command; see 'tokenstore --help'.");
  }

  // ------------------------------------------------------------------------------------------ output

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  // ------------------------------------------------------------------------------------------- store

  /** The store URI the user chose: {@code --store}, else {@code TOKENSTORE_STORE}, else the default SQLite file. */
  String storeUri() {
    if (store != null && !store.isBlank()) {
      return expandHome(store);
    }
    String env = System.getenv("TOKENSTORE_STORE");
    if (env != null && !env.isBlank()) {
      return expandHome(env);
    }
    Path dir = Path.of(System.getProperty("user.home"), ".tokenstore");
    createPrivateDirectory(dir);
    return "sqlite:" + dir.resolve("tokens.db");
  }

  /** Opens {@link #storeUri()}. */
  TokenStore openStore() {
    return StoreSupport.open(storeUri());
  }

  /** {@code sqlite:~/x} and {@code file:~/x}: {@code ~} is the user's home. */
  static String expandHome(String uri) {
    int colon = uri.indexOf(':');
    if (colon > 0 && uri.startsWith("~/", colon + 1)) {
      return uri.substring(0, colon + 1) + System.getProperty("user.home") + uri.substring(colon + 2);
    }
    return uri;
  }

  static void createPrivateDirectory(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      try {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException notPosix) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new TokenStoreException(ErrorCode.STORE_UNAVAILABLE, "Could not create the folder " + dir + " for the "
          + "default store (" + e.getClass().getSimpleName() + "). Create it, or choose a store with --store.", e);
    }
  }

  // ----------------------------------------------------------------------------------- environment

  /** Whether any option or variable names the server; if not, the server is inferred from a token's API domain. */
  boolean environmentGiven() {
    return dc != null || kind != null || accountsUrl != null || tokenUrl != null;
  }

  /** The environment the options describe (Zoho US production by default). */
  Environment environment() {
    Environment e;
    if (tokenUrl != null) {
      URI u = URI.create(tokenUrl);
      e = Environment.builder("oauth@" + u.getRawAuthority())
          .tokenUrl(tokenUrl)
          .authorizationUrl(authUrl)
          .revokeUrl(revokeUrl)
          .apiDomain(apiUrl != null ? apiUrl : u.getScheme() + "://" + u.getRawAuthority())
          .build();
      return e;
    }
    if (accountsUrl != null) {
      e = Environment.zohoAccounts(accountsUrl, apiUrl != null ? apiUrl : accountsUrl);
    } else {
      e = Environment.zoho(dc != null ? dc : DataCenter.US, kind != null ? kind : Environment.Kind.PRODUCTION);
      if (apiUrl != null) {
        e = e.toBuilder().apiDomain(apiUrl).build();
      }
    }
    if (authUrl != null || revokeUrl != null) {
      Environment.Builder b = e.toBuilder();
      if (authUrl != null) {
        b.authorizationUrl(authUrl);
      }
      if (revokeUrl != null) {
        b.revokeUrl(revokeUrl);
      }
      e = b.build();
    }
    return e;
  }

  /**
   * The environment for a stored token: the options' when given, else the Zoho data centre of the token's API
   * domain (e.g. {@code https://www.zohoapis.eu} is EU production).
   */
  Environment environmentFor(OAuthToken stored) {
    if (environmentGiven()) {
      return environment();
    }
    String api = stored.apiDomain();
    if (api == null) {
      return environment();
    }
    Optional<Environment> inferred = zohoEnvironmentOf(api);
    if (inferred.isPresent()) {
      return inferred.get();
    }
    throw new CliException("Token id " + stored.id() + " is used with " + api + ", which is not one of Zoho's API "
        + "domains, so its accounts server is not known. Pass --accounts-url URL (a Zoho-like server) or --token-url "
        + "URL (any OAuth 2.0 server).");
  }

  static Optional<Environment> zohoEnvironmentOf(String apiDomain) {
    for (DataCenter d : DataCenter.values()) {
      for (Environment.Kind k : Environment.Kind.values()) {
        if (d.apiDomain(k).equalsIgnoreCase(stripSlash(apiDomain))) {
          return Optional.of(Environment.zoho(d, k));
        }
      }
    }
    return Optional.empty();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  TokenManager manager(TokenStore tokenStore, Environment environment) {
    return TokenManager.builder().store(tokenStore).environment(environment).build();
  }

  String requireClientId() {
    if (clientId == null || clientId.isBlank()) {
      throw new CliException(ExitCodes.USAGE, "This command needs the OAuth client id: pass --client-id ID or set "
          + "TOKENSTORE_CLIENT_ID (and --client-secret / TOKENSTORE_CLIENT_SECRET).");
    }
    return clientId;
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
