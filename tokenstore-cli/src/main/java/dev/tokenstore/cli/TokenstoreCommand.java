package dev.tokenstore.cli;

import dev.tokenstore.oauth.DataCenter;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.crypto.KeyProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code tokenstore} command: the global options, each also from a {@code TOKENSTORE_*} environment variable.
 * Subcommands read them through the {@link StoreSession} mixin. Not thread-safe (one per run).
 */
@Command(
    name = "tokenstore",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description = {
      "Keeps OAuth 2.0 tokens (Zoho's or any server's) for many users.",
      "Log in, list, hand out, refresh, revoke, move and encrypt tokens (--keyring, 'tokenstore keys').",
      "Start with 'tokenstore demo'.",
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
      KeysCommand.class,
      RekeyCommand.class,
      DoctorCommand.class,
      ServeCommand.class,
      ApiKeysCommand.class,
      EmulatorCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = ExitCodes.FOOTER
        + "%nEnvironment variables (instead of the options):%n"
        + "  TOKENSTORE_STORE, TOKENSTORE_DC, TOKENSTORE_ENV, TOKENSTORE_ACCOUNTS_URL,%n"
        + "  TOKENSTORE_AUTH_URL, TOKENSTORE_TOKEN_URL, TOKENSTORE_REVOKE_URL,%n"
        + "  TOKENSTORE_API_URL, TOKENSTORE_CLIENT_ID, TOKENSTORE_CLIENT_SECRET, TOKENSTORE_TIMEOUT,%n"
        + "  TOKENSTORE_KEYRING (TOKENSTORE_KEYSTORE_PASSWORD for pkcs12:), TOKENSTORE_VERBOSE=true%n")
public final class TokenstoreCommand implements Runnable {
  static final String DEFAULT_STORE_DESCRIPTION = "sqlite:~/.tokenstore/tokens.db";

  /** The environment variables the options read (an empty one is a usage error). */
  static final List<String> ENVIRONMENT = List.of("TOKENSTORE_STORE", "TOKENSTORE_DC", "TOKENSTORE_ENV",
      "TOKENSTORE_ACCOUNTS_URL", "TOKENSTORE_AUTH_URL", "TOKENSTORE_TOKEN_URL", "TOKENSTORE_REVOKE_URL",
      "TOKENSTORE_API_URL", "TOKENSTORE_CLIENT_ID", "TOKENSTORE_CLIENT_SECRET", "TOKENSTORE_TIMEOUT",
      "TOKENSTORE_KEYRING", "TOKENSTORE_TLS_PASSWORD");

  /**
   * The environment the command reads itself (TOKENSTORE_STORE, TOKENSTORE_KEYRING, a keyring's env:NAME, the
   * keystore password, the empty-variable check); {@link System#getenv()} but in tests that run it in-process.
   */
  Map<String, String> environment = System.getenv();

  /** The keys of --keyring / TOKENSTORE_KEYRING once read ({@link StoreSession#keys()}); one per run. */
  @Nullable KeyProvider keys;

  @Spec CommandSpec spec;

  @Option(names = "--store", paramLabel = "URI", scope = ScopeType.INHERIT,
      description = "Token store: sqlite:PATH, file:PATH (Zoho's sdk_tokens.txt), memory:, or a server store's URI "
          + "(env TOKENSTORE_STORE; default " + DEFAULT_STORE_DESCRIPTION + ").")
  @Nullable String store;

  @Option(names = "--keyring", paramLabel = "SPEC", scope = ScopeType.INHERIT,
      description = "Encrypt the store's secrets with this keyring: a keyring file's PATH (made by 'keys init'), "
          + "env:NAME (a variable holding the keyring's text) or pkcs12:PATH (a PKCS#12 keystore, its password in "
          + "TOKENSTORE_KEYSTORE_PASSWORD). Every command then reads and writes the store encrypted "
          + "(env TOKENSTORE_KEYRING; default: none, the store is read and written in plain text).")
  @Nullable String keyring;

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

  @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT,
      defaultValue = "${env:TOKENSTORE_TIMEOUT:-30s}", converter = Durations.class,
      description = "How long one call to the server may take (env TOKENSTORE_TIMEOUT; default 30s; e.g. 10s, 2m). "
          + "A call that fails for a transient reason is tried up to 3 times.")
  Duration timeout = Duration.ofSeconds(30);

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print results as JSON.")
  boolean json;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Log the library's messages and print stack traces on stderr.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command; see 'tokenstore --help'.");
  }
}
