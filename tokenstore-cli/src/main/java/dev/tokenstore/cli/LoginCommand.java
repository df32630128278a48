package dev.tokenstore.cli;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.AuthorizationRequest;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.OAuthException;
import java.awt.Desktop;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code tokenstore login}: the authorization code flow with a loopback redirect. Not thread-safe (one per run). */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Authorizes a user (authorization code flow) and stores the tokens.",
      "Prints (and opens, where a browser is available) the authorization URL, receives the redirect on",
      "http://127.0.0.1:PORT/callback, checks state, uses PKCE (S256), follows Zoho's accounts-server (the",
      "user's data centre), exchanges the code and stores the tokens. Register that redirect URI for your",
      "client (Zoho API console: use a fixed --port)."
    },
    footer = ExitCodes.FOOTER,
    showDefaultValues = true)
final class LoginCommand implements Callable<Integer> {
  @ParentCommand TokenstoreCommand root;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "Port of the loopback listener on 127.0.0.1 (0: a free port).")
  int port;

  @Option(names = "--scope", paramLabel = "S",
      description = "Scopes to ask for (default for Zoho: ZohoCRM.modules.ALL,ZohoCRM.users.READ; otherwise "
          + "'openid offline_access').")
  @Nullable String scope;

  @Option(names = "--no-browser", description = "Do not try to open a browser; only print the URL.")
  boolean noBrowser;

  @Option(names = "--user", paramLabel = "NAME",
      description = "Store the token under this user name (default: the e-mail Zoho's current-user API returns).")
  @Nullable String user;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "300s",
      description = "How long to wait for the authorization (e.g. 300s, 5m).", converter = Durations.class)
  Duration timeout;

  @Override
  public Integer call() {
    String clientId = root.requireClientId();
    Environment env = root.environment();
    String effectiveScope = scope != null ? scope
        : env.protocol() == Environment.Protocol.ZOHO ? "ZohoCRM.modules.ALL,ZohoCRM.users.READ" : "openid offline_access";
    try (TokenStore store = root.openStore();
        LoopbackReceiver receiver = new LoopbackReceiver(port)) {
      AuthorizationRequest request =
          AuthorizationRequest.create(env, clientId, receiver.redirectUri(), effectiveScope);
      receiver.expect(request);
      String url = request.uri().toString();
      root.err().println("Open this URL in a browser and approve the access (waiting up to "
          + timeout.toSeconds() + " s for the redirect to " + receiver.redirectUri() + "):");
      root.err().flush();
      root.out().println(url);
      root.out().flush();
      if (!noBrowser) {
        openBrowser(url);
      }
      AuthorizationRequest.Callback callback;
      try {
        callback = request.callback(receiver.await(timeout));
      } catch (OAuthException e) {
        throw new CliException(e.getMessage() + " Check the client id, the scopes and the redirect URI registered "
            + "for the client.");
      }
      Environment exchangeAt = env.protocol() == Environment.Protocol.ZOHO ? callback.environment(env) : env;
      OAuthToken saved = new Authorizer(Clock.systemUTC()).exchange(store, exchangeAt, clientId, root.clientSecret,
          receiver.redirectUri(), callback.code(), request.codeVerifier(), user, w -> root.err().println("warning: " + w));
      report(root, saved, "Logged in");
      return ExitCodes.OK;
    }
  }

  /** Prints the stored token's id and user (no secret) as the command's result. */
  static void report(TokenstoreCommand root, OAuthToken saved, String what) {
    if (root.json) {
      StoreSupport.printToken(root.out(), saved, Instant.now(), true, false);
      return;
    }
    Instant exp = saved.expiresAt();
    root.out().println(what + ": stored token id " + saved.id()
        + (saved.userName() == null ? "" : " for user " + saved.userName())
        + " (api domain " + saved.apiDomain()
        + (exp == null ? "" : "; access token expires in " + StoreSupport.human(Duration.between(Instant.now(), exp)))
        + ") in " + StoreSupport.show(root.storeUri()));
    root.out().flush();
  }

  private void openBrowser(String url) {
    try {
      if (!java.awt.GraphicsEnvironment.isHeadless() && Desktop.isDesktopSupported()
          && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
        Desktop.getDesktop().browse(URI.create(url));
        return;
      }
    } catch (Exception | LinkageError e) {
      // no browser here: the printed URL is enough
    }
    root.err().println("(Could not open a browser here: copy the URL into one.)");
    root.err().flush();
  }
}
