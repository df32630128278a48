package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.AuthorizationRequest;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.OAuthException;
import java.awt.Desktop;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokenstore login}: the authorization code flow with a loopback redirect. Not thread-safe (one per run). */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = {
      "Authorizes a user (authorization code flow) and stores the tokens.",
      "Prints (and opens, where a browser is available) the authorization URL, receives the redirect on",
      "http://127.0.0.1:PORT/callback, checks state, uses PKCE (S256), follows Zoho's accounts-server (the",
      "user's data centre), exchanges the code and stores the tokens. Register that redirect URI for your",
      "client (Zoho API console: use a fixed --port)."
    },
    showDefaultValues = true)
final class LoginCommand implements Callable<Integer> {
  @Mixin StoreSession session;

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

  @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "300s",
      description = "How long to wait for the user to approve in the browser (e.g. 300s, 5m).",
      converter = Durations.class)
  Duration wait;

  @Override
  public Integer call() {
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCodes.USAGE, "--port must be 0 (a free port) or a port number up to 65535; got "
          + port + ".");
    }
    Authorizer client = session.authorizer();
    Environment env = session.environment();
    String effectiveScope = scope != null ? scope
        : env.protocol() == Environment.Protocol.ZOHO ? "ZohoCRM.modules.ALL,ZohoCRM.users.READ" : "openid offline_access";
    try (LoopbackReceiver receiver = new LoopbackReceiver(port)) {
      AuthorizationRequest request =
          AuthorizationRequest.create(env, client.clientId(), receiver.redirectUri(), effectiveScope);
      receiver.expect(request);
      String url = request.uri().toString();
      session.err().println("Open this URL in a browser and approve the access (waiting up to "
          + wait.toSeconds() + " s for the redirect to " + receiver.redirectUri() + "):");
      session.err().flush();
      session.out().println(url);
      session.out().flush();
      if (!noBrowser) {
        openBrowser(url);
      }
      AuthorizationRequest.Callback callback;
      try {
        callback = request.callback(receiver.await(wait));
      } catch (OAuthException e) {
        // the user declined (access_denied) or the server refused: nothing was authorized, nothing is stored
        throw new CliException(
            e.code() == ErrorCode.REAUTHORIZATION_REQUIRED ? ExitCodes.REAUTHORIZE : ExitCodes.FAILURE,
            e.getMessage() + " Check the client id, the scopes and the redirect URI registered for the client.");
      }
      Environment exchangeAt = env.protocol() == Environment.Protocol.ZOHO ? callback.environment(env) : env;
      // the store is opened (and created) only once there is something to keep in it
      try (TokenStore store = session.openToAdd()) {
        session.report(client.exchange(store, exchangeAt, receiver.redirectUri(), callback.code(),
            request.codeVerifier(), user), "Logged in");
      }
      return ExitCodes.OK;
    }
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
    session.err().println("(Could not open a browser here: copy the URL into one.)");
    session.err().flush();
  }
}
