package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.server.TokenServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokenstore serve}: runs the HTTP token service ({@link TokenServer}) over the store until stopped
 * (SIGTERM or Ctrl-C stop it gracefully). Not thread-safe (one per run).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the HTTP token service: apps ask POST /api/v1/access-token with an API key and get a valid access "
          + "token; the refresh token and client secret never leave the service. Run as many instances as needed "
          + "on one shared store (PostgreSQL, MySQL/MariaDB, Redis; SQLite or a file on one host).",
      "  tokenstore --store postgresql://db/tokens api-keys create --name portal",
      "  tokenstore --store postgresql://db/tokens serve --port 8470",
      "  curl -s -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' \\",
      "       -d '{\"user_name\":\"jane@example.com\"}' http://127.0.0.1:8470/api/v1/access-token",
      "The API is described at /api/v1/openapi.json; /healthz, /readyz and /metrics (Prometheus) serve operations.",
      "Prints 'listening on URL' on stdout once it accepts requests."
    })
final class ServeCommand implements Callable<Integer> {
  @Mixin StoreSession session;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "The address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all).")
  String bind = "127.0.0.1";

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8470",
      description = "The port (default: ${DEFAULT-VALUE}; 0 takes a free one).")
  int port = 8470;

  @Option(names = "--tls-keystore", paramLabel = "PATH",
      description = "Serve HTTPS with this PKCS#12 file (key and certificate chain); its password is read from "
          + "--tls-password-file or TOKENSTORE_TLS_PASSWORD.")
  @Nullable Path tlsKeystore;

  @Option(names = "--tls-password-file", paramLabel = "PATH", description = "A file holding the PKCS#12 password.")
  @Nullable Path tlsPasswordFile;

  @Option(names = "--refresh-ahead", paramLabel = "EVERY", arity = "0..1", fallbackValue = "30s",
      converter = Durations.class,
      description = "Refresh tokens before they expire (checked every EVERY, default 30s), so no request waits; "
          + "one instance refreshes each token (the store's leases). Keeps idle tokens fresh too.")
  @Nullable Duration refreshAhead;

  @Option(names = "--lease-time", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "How long a refresh lease lasts before another instance may take it over (default: "
          + "${DEFAULT-VALUE}).")
  Duration leaseTime = Duration.ofSeconds(30);

  @Option(names = "--max-request-size", paramLabel = "BYTES", defaultValue = "65536",
      description = "The largest request body (default: ${DEFAULT-VALUE}).")
  int maxRequestBytes = 65_536;

  @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "60s", converter = Durations.class,
      description = "On SIGTERM, how long requests under way (and the refreshes they wait for) may take to finish "
          + "(default: ${DEFAULT-VALUE}; keep it above --timeout, or a refresh under way may be lost).")
  Duration shutdownGrace = Duration.ofSeconds(60);

  @Option(names = "--no-access-log", negatable = false, description = "Do not log each request on stderr.")
  boolean noAccessLog;

  @Option(names = "--admin-password-file", paramLabel = "PATH",
      description = "Serve the web console at /console: the admin (user name 'admin') signs in with the password "
          + "in this file (first line, at least 12 characters; kept in memory only as an Argon2id hash). Default: "
          + "TOKENSTORE_ADMIN_PASSWORD_FILE; without either, no console.")
  @Nullable Path adminPasswordFile;

  @Option(names = "--console-idle-timeout", paramLabel = "DURATION", defaultValue = "15m", converter = Durations.class,
      description = "A console session ends after this long without a request (default: ${DEFAULT-VALUE}).")
  Duration consoleIdle = Duration.ofMinutes(15);

  @Option(names = "--portal", negatable = false,
      description = "Serve the \"Login with Zoho\" portal at /connect: users authorize the client (--client-id, "
          + "--client-secret) at the accounts server of the options and their tokens are stored; register "
          + "URL/connect/callback (or --portal-redirect-uri) for the client.")
  boolean portal;

  @Option(names = "--portal-scope", paramLabel = "S",
      description = "Scopes the portal asks for (default for Zoho: ZohoCRM.modules.ALL,ZohoCRM.users.READ).")
  @Nullable String portalScope;

  @Option(names = "--portal-redirect-uri", paramLabel = "URL",
      description = "The portal's callback as the browser reaches it (default: this service's /connect/callback).")
  @Nullable String portalRedirectUri;

  @Option(names = "--portal-session-timeout", paramLabel = "DURATION", defaultValue = "30m",
      converter = Durations.class,
      description = "A portal user's session ends after this long without a request (default: ${DEFAULT-VALUE}).")
  Duration portalSessionTimeout = Duration.ofMinutes(30);

  @Override
  public Integer call() throws Exception {
    TokenstoreCommand o = session.options();
    if (tlsPasswordFile != null && tlsKeystore == null) {
      throw new CliException(ExitCodes.USAGE, "--tls-password-file is the password of --tls-keystore PATH, which is "
          + "missing: without it the service would serve plain HTTP.");
    }
    char[] password = tlsKeystore == null ? null : tlsPassword();
    TokenServer.Builder b;
    TokenStore store = session.open();
    try {
      b = TokenServer.builder(store)
          .host(bind)
          .port(port)
          .maxRequestBytes(maxRequestBytes)
          .shutdownGrace(shutdownGrace)
          .accessLog(!noAccessLog)
          .environmentFor(environments())
          .managerSettings(m -> m.requestTimeout(o.timeout).leaseTime(leaseTime));
      if (o.clientId != null) {
        b.defaultClient(o.clientId, o.clientSecret);
      }
      if (refreshAhead != null) {
        b.refreshAhead(refreshAhead);
      }
      if (tlsKeystore != null && password != null) {
        b.tls(tlsKeystore, password);
      }
      Path adminFile = adminPasswordFile;
      if (adminFile == null) {
        String env = o.environment.get("TOKENSTORE_ADMIN_PASSWORD_FILE");
        adminFile = env == null || env.isBlank() ? null : Path.of(env);
      }
      if (adminFile != null) {
        b.console(adminFile).consoleIdleTimeout(consoleIdle);
      }
      if (portal) {
        if (o.clientId == null) {
          throw new CliException(ExitCodes.USAGE, "--portal needs the client users authorize: --client-id (and "
              + "--client-secret).");
        }
        Environment env = session.environment();
        String scope = portalScope != null ? portalScope
            : env.protocol() == Environment.Protocol.ZOHO ? "ZohoCRM.modules.ALL,ZohoCRM.users.READ"
                : "openid offline_access";
        b.portal(env, o.clientId, o.clientSecret, scope, portalRedirectUri, portalSessionTimeout);
      }
    } catch (TokenstoreException e) {
      store.close();
      if (e.code() == ErrorCode.INVALID_ARGUMENT) { // a value of an option
        throw new CliException(ExitCodes.USAGE, "[" + e.code() + "] " + e.getMessage());
      }
      throw e;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    if (tlsKeystore == null && !isLoopback(bind) && (adminPasswordFile != null || portal
        || o.environment.get("TOKENSTORE_ADMIN_PASSWORD_FILE") != null)) {
      session.err().println("warning: serving the console or the portal over plain HTTP on " + bind + ": "
          + "passwords and session cookies cross the network unencrypted.");
    }
    if (tlsKeystore == null && !isLoopback(bind)) {
      session.err().println("warning: serving plain HTTP on " + bind + ": API keys and access tokens cross the "
          + "network unencrypted. Use --tls-keystore, or a TLS-terminating proxy on this machine.");
    }
    CliLoggerFinder.serving(true);
    TokenServer server = b.build();
    Thread stopper = new Thread(() -> {
      server.close();
      store.close();
    }, "tokenstore-serve-stop");
    try {
      server.start();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(stopper);
    session.println("listening on " + server.uri() + " (store " + StoreSupport.show(session.storeUri()) + ")");
    server.awaitStop();
    return 0;
  }

  /** The options' environment when they name a server, else Zoho's data centre of each token's API domain. */
  private Function<OAuthToken, Environment> environments() {
    return session::environmentFor;
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private char[] tlsPassword() {
    if (tlsPasswordFile != null) {
      try {
        return Files.readString(tlsPasswordFile, StandardCharsets.UTF_8).strip().toCharArray();
      } catch (IOException e) {
        throw new CliException(ExitCodes.USAGE, "Cannot read the TLS password file " + tlsPasswordFile + " ("
            + e.getClass().getSimpleName() + "). Check --tls-password-file.");
      }
    }
    String env = session.options().environment.get("TOKENSTORE_TLS_PASSWORD");
    if (env == null) {
      throw new CliException(ExitCodes.USAGE, "--tls-keystore needs the key store's password: "
          + "--tls-password-file PATH or TOKENSTORE_TLS_PASSWORD.");
    }
    return env.toCharArray();
  }
}
