package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.oauth.DataCenter;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The picocli mixin of every command that works with the token store ({@code @Mixin StoreSession session}): it
 * reads the global options of {@link TokenstoreCommand} (before or after the command name), opens the store,
 * builds the environment and the client's {@link Authorizer}, and prints what a command stored. The variant
 * {@link OneToken} adds {@code --user NAME | --id ID}, finds the record they name and builds its
 * {@link TokenManager}. Its {@code @Command} attributes give each command the exit-code footer and options in
 * declaration order. Not thread-safe: one per invocation.
 */
@Command(sortOptions = false, footer = ExitCodes.FOOTER)
class StoreSession {
  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  /** The global options. */
  TokenstoreCommand options() {
    return (TokenstoreCommand) mixee.root().userObject();
  }

  // ------------------------------------------------------------------------------------------ output

  PrintWriter out() {
    return mixee.commandLine().getOut();
  }

  PrintWriter err() {
    return mixee.commandLine().getErr();
  }

  boolean json() {
    return options().json;
  }

  /** Prints a result line on stdout, control characters escaped ({@link TerminalText#lines}). */
  void println(String line) {
    out().println(TerminalText.lines(line));
    out().flush();
  }

  /** Prints the stored token's id and user (no secret) as the command's result. */
  void report(OAuthToken saved, String what) {
    if (json()) {
      StoreSupport.printToken(out(), saved, Instant.now(), true, false);
      return;
    }
    Instant exp = saved.expiresAt();
    println(what + ": stored token id " + TerminalText.escape(saved.id())
        + (saved.userName() == null ? "" : " for user " + TerminalText.escape(saved.userName()))
        + " (api domain " + TerminalText.escape(saved.apiDomain())
        + (exp == null ? "" : "; access token expires in " + StoreSupport.human(Duration.between(Instant.now(), exp)))
        + ") in " + StoreSupport.show(storeUri()));
  }

  // ------------------------------------------------------------------------------------------- store

  /** The store URI the user chose: {@code --store}, else {@code TOKENSTORE_STORE}, else the default SQLite file. */
  String storeUri() {
    String given = givenStoreUri();
    if (given != null) {
      return given;
    }
    Path dir = Path.of(System.getProperty("user.home"), ".tokenstore");
    createPrivateDirectory(dir);
    return "sqlite:" + dir.resolve("tokens.db");
  }

  /** {@code --store}, else {@code TOKENSTORE_STORE}, else null (the default store). */
  @Nullable String givenStoreUri() {
    String store = options().store;
    if (store != null && !store.isBlank()) {
      return expandHome(store);
    }
    String env = options().environment.get("TOKENSTORE_STORE");
    if (env != null && !env.isBlank()) {
      return expandHome(env);
    }
    return null;
  }

  /**
   * The store a command that changes keys or re-encrypts must name: {@code --store} or {@code TOKENSTORE_STORE},
   * never the default (a key retired because the default store does not use it may still encrypt the store the
   * user meant).
   */
  String requireGivenStoreUri(String command) {
    String given = givenStoreUri();
    if (given == null) {
      throw new CliException(ExitCodes.USAGE, "'tokenstore " + command + "' needs the store: pass --store URI (or "
          + "set TOKENSTORE_STORE). It does not use the default store.");
    }
    return given;
  }

  /**
   * Opens {@link #storeUri()}, with its secrets encrypted by the keyring of {@code --keyring} when given: every
   * command opens its store here (or through {@link #open(String)}).
   */
  TokenStore open() {
    return open(storeUri());
  }

  /** Opens {@code uri} with the keyring of {@code --keyring} when given ({@link StoreSupport#open}). */
  TokenStore open(String uri) {
    return StoreSupport.open(uri, keys());
  }

  /**
   * Opens the store for a command that adds a record (login, exchange, import): without a keyring, a store that
   * holds encrypted records is refused ({@code ENCRYPTED_STORE}) before the server is called, instead of getting
   * a record in plain text among encrypted ones.
   */
  TokenStore openToAdd() {
    TokenStore store = open();
    if (keys() == null) {
      try {
        store.getTokens(); // the store's check refuses an encrypted record
      } catch (RuntimeException e) {
        try {
          store.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
    }
    return store;
  }

  // ----------------------------------------------------------------------------------------- keyring

  /** {@code --keyring}, else {@code TOKENSTORE_KEYRING}, else null. */
  @Nullable String keyringSpec() {
    String k = options().keyring;
    if (k != null && !k.isBlank()) {
      return k;
    }
    String env = options().environment.get("TOKENSTORE_KEYRING");
    return env == null || env.isBlank() ? null : env;
  }

  /**
   * The keys of {@code --keyring} / {@code TOKENSTORE_KEYRING}, or null when neither is given (the store is read
   * and written in plain text). Read once per run.
   *
   * @throws TokenstoreException {@code KEYRING_ERROR} when the keyring cannot be read (exit 1)
   */
  @Nullable KeyProvider keys() {
    TokenstoreCommand o = options();
    if (o.keys == null) {
      String spec = keyringSpec();
      if (spec != null) {
        o.keys = Keyrings.provider(spec, o.environment);
      }
    }
    return o.keys;
  }

  /** The keys, which {@code command} needs: a usage error without {@code --keyring}. */
  KeyProvider requireKeys(String command) {
    KeyProvider k = keys();
    if (k == null) {
      throw new CliException(ExitCodes.USAGE, "'tokenstore " + command + "' needs the keyring: pass --keyring "
          + "SPEC (a keyring file's path, env:NAME or pkcs12:PATH) or set TOKENSTORE_KEYRING.");
    }
    return k;
  }

  /**
   * The keyring file of {@code --keyring}, which {@code command} changes: a usage error without {@code --keyring}
   * or when it names a variable or a keystore (those are changed by whoever made them).
   */
  KeyringFile requireKeyringFile(String command) {
    String spec = keyringSpec();
    if (spec == null) {
      throw new CliException(ExitCodes.USAGE, "'tokenstore " + command + "' needs the keyring file: pass "
          + "--keyring PATH or set TOKENSTORE_KEYRING=PATH.");
    }
    return KeyringFile.at(Keyrings.filePath(spec, command));
  }

  /** Opens {@code uri} encrypted with {@code keys}: for the commands that work on keys (keys, rekey). */
  EncryptedTokenStore openEncrypted(String uri, KeyProvider keys) {
    return EncryptedTokenStore.open(uri, keys);
  }

  /** {@code sqlite:~/x} and {@code file:~/x}: {@code ~} is the user's home. */
  static String expandHome(String uri) {
    int colon = uri.indexOf(':');
    if (colon > 0 && uri.startsWith("~/", colon + 1)) {
      return uri.substring(0, colon + 1) + System.getProperty("user.home") + uri.substring(colon + 2);
    }
    return uri;
  }

  private static void createPrivateDirectory(Path dir) {
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
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "Could not create the folder " + dir + " for the "
          + "default store (" + e.getClass().getSimpleName() + "). Create it, or choose a store with --store.", e);
    }
  }

  // ----------------------------------------------------------------------------------- environment

  /**
   * The environment the options describe (Zoho US production by default). A malformed URL in the options is a
   * usage error (exit 2).
   */
  Environment environment() {
    try {
      return environmentOfOptions();
    } catch (IllegalArgumentException e) { // URI.create
      throw new CliException(ExitCodes.USAGE, "[" + ErrorCode.INVALID_ARGUMENT + "] A server URL in the options is "
          + "not a URL (" + Secrets.shorten(String.valueOf(e.getMessage())) + "). Check --token-url and the other "
          + "URL options.");
    } catch (TokenstoreException e) {
      if (e.code() == ErrorCode.INVALID_ARGUMENT) {
        throw new CliException(ExitCodes.USAGE, "[" + e.code() + "] " + e.getMessage());
      }
      throw e;
    }
  }

  private Environment environmentOfOptions() {
    TokenstoreCommand o = options();
    if (o.tokenUrl != null) {
      URI u = URI.create(o.tokenUrl);
      return Environment.builder("oauth@" + u.getRawAuthority())
          .tokenUrl(o.tokenUrl)
          .authorizationUrl(o.authUrl)
          .revokeUrl(o.revokeUrl)
          .apiDomain(o.apiUrl != null ? o.apiUrl : u.getScheme() + "://" + u.getRawAuthority())
          .build();
    }
    Environment e;
    if (o.accountsUrl != null) {
      e = Environment.zohoAccounts(o.accountsUrl, o.apiUrl != null ? o.apiUrl : o.accountsUrl);
    } else {
      e = Environment.zoho(o.dc != null ? o.dc : DataCenter.US, o.kind != null ? o.kind : Environment.Kind.PRODUCTION);
      if (o.apiUrl != null) {
        e = e.toBuilder().apiDomain(o.apiUrl).build();
      }
    }
    if (o.authUrl != null || o.revokeUrl != null) {
      Environment.Builder b = e.toBuilder();
      if (o.authUrl != null) {
        b.authorizationUrl(o.authUrl);
      }
      if (o.revokeUrl != null) {
        b.revokeUrl(o.revokeUrl);
      }
      e = b.build();
    }
    return e;
  }

  /**
   * The environment for a stored token: the options' when any names the server, else the Zoho environment of the
   * token's API domain (the library's {@link Environment#zohoFromApiDomain}).
   */
  Environment environmentFor(OAuthToken stored) {
    TokenstoreCommand o = options();
    String api = stored.apiDomain();
    if (o.dc != null || o.kind != null || o.accountsUrl != null || o.tokenUrl != null || api == null) {
      return environment();
    }
    return Environment.zohoFromApiDomain(api).orElseThrow(() -> new CliException("Token id "
        + Secrets.shorten(String.valueOf(stored.id())) + " is used with " + Secrets.shorten(api) + ", which is not one of Zoho's API domains, so its accounts server is not known. "
        + "Pass --accounts-url URL (a Zoho-like server) or --token-url URL (any OAuth 2.0 server)."));
  }

  // ------------------------------------------------------------------------------------------ client

  /**
   * The settings every manager of the CLI gets: {@code requireSaved} (see {@link Found#manager()}),
   * {@code --timeout} for each call to the server (and its connection), and a notice on stderr when it waits for
   * another process's refresh lease for long.
   */
  TokenManager.Builder managerSettings(TokenManager.Builder b) {
    Duration timeout = options().timeout;
    Duration lease = Duration.ofSeconds(60);
    return b.requireSaved(true) // a short-lived process: an unsaved result fails, never "succeeds" and is lost
        .requestTimeout(timeout)
        .connectTimeout(timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT)
        .leaseTime(lease)
        .listener(new LeaseWaitNotice(err(), lease));
  }

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The OAuth client of the options ({@code --client-id} is required) and the grant flows it runs. */
  Authorizer authorizer() {
    String clientId = options().clientId;
    if (clientId == null || clientId.isBlank()) {
      throw new CliException(ExitCodes.USAGE, "This command needs the OAuth client id: pass --client-id ID or set "
          + "TOKENSTORE_CLIENT_ID (and --client-secret / TOKENSTORE_CLIENT_SECRET).");
    }
    return new Authorizer(Clock.systemUTC(), clientId, options().clientSecret, w -> err().println("warning: " + w),
        this::managerSettings);
  }

  /** Opens the store, runs {@code grant} at the options' environment and reports what it stored. */
  void save(String what, BiFunction<TokenStore, Environment, OAuthToken> grant) {
    Environment env = environment();
    try (TokenStore store = openToAdd()) {
      report(grant.apply(store, env), what);
    }
  }

  // --------------------------------------------------------------------------------------- one token

  /** The mixin of the commands that work on one stored token: {@code --user NAME | --id ID}. */
  static class OneToken extends StoreSession {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    /**
     * Opens the store and finds the token {@code --user}/{@code --id} names (with {@code --client-id}, when given,
     * narrowing a user name); closing the result closes the store.
     */
    Found find() {
      TokenStore store = open();
      try {
        OAuthToken query = target.id != null ? OAuthToken.builder().id(target.id).build()
            : OAuthToken.builder().userName(target.user).clientId(options().clientId).build();
        return new Found(store, store.findToken(query).orElseThrow(() -> new StoreException(
            ErrorCode.TOKEN_NOT_FOUND, "No stored token "
                + (target.id != null ? "has id " + Secrets.shorten(target.id)
                : "belongs to user " + Secrets.shorten(String.valueOf(target.user))
                    + (options().clientId != null ? " and client " + Secrets.shorten(options().clientId) : ""))
                + " in " + StoreSupport.show(storeUri()) + ". See 'tokenstore list'.")));
      } catch (RuntimeException | Error e) {
        try {
          store.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
    }
  }

  /** {@code --user NAME | --id ID}. */
  static final class Target {
    @Option(names = "--user", paramLabel = "NAME", required = true, description = "The token of this user.")
    @Nullable String user;

    @Option(names = "--id", paramLabel = "ID", required = true, description = "The token with this id.")
    @Nullable String id;
  }

  /** A stored token and the open store it is in; closing it closes the store. Not thread-safe. */
  final class Found implements AutoCloseable {
    private final TokenStore store;
    private final OAuthToken token;
    private @Nullable Environment environment;

    private Found(TokenStore store, OAuthToken token) {
      this.store = store;
      this.token = token;
    }

    /** The stored record. */
    OAuthToken token() {
      return token;
    }

    /** Its environment ({@link StoreSession#environmentFor}). */
    Environment environment() {
      if (environment == null) {
        environment = environmentFor(token);
      }
      return environment;
    }

    /**
     * A manager of the store at {@link #environment()}. A command is a short-lived process: a refresh whose result
     * the store cannot save fails ({@code requireSaved}) rather than end the process with the only copy of the new
     * tokens and report success.
     */
    TokenManager manager() {
      return managerSettings(TokenManager.builder()).store(store).environment(environment()).build();
    }

    /** The record by id, with the client credentials of the options (used if the record lacks them). */
    OAuthToken byId() {
      return OAuthToken.builder().id(token.id()).clientId(options().clientId).clientSecret(options().clientSecret)
          .build();
    }

    @Override
    public void close() {
      store.close();
    }
  }
}
