package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's serve and api-keys commands, as a script and an app use them, against the accounts emulator. */
class ServeIT {
  private static final String SECRET = "serve-client-SECRET";
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static AccountsEmulator zoho;

  @TempDir Path home;

  @BeforeAll
  static void start() {
    zoho = AccountsEmulator.builder().user("jane@example.com").registerClient("serve-client", SECRET).start();
  }

  @AfterAll
  static void stop() {
    zoho.close();
  }

  private String[] args(String store, String... more) {
    List<String> a = new ArrayList<>(List.of("--store", store, "--accounts-url", zoho.baseUrl(), "--client-id",
        "serve-client", "--client-secret", SECRET));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private static HttpResponse<String> accessToken(String base, String key, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/access-token"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void apiKeysAndServeHandOutTokensToAnApp() throws Exception {
    String store = "sqlite:" + home.resolve("tokens.db");
    IssuedTokens issued = zoho.issueTokens("serve-client", "ZohoCRM.modules.ALL", "jane@example.com");
    Jar.Result imported = Jar.run(home, args(store, "import", "--refresh-token", issued.refreshToken(), "--user",
        "jane@example.com"));
    assertThat(imported.exit()).as(imported.all()).isZero();

    Jar.Result created = Jar.run(home, args(store, "api-keys", "create", "--name", "portal"));
    assertThat(created.exit()).as(created.all()).isZero();
    String key = created.out().strip();
    assertThat(key).startsWith("tsk_").hasSize(47).doesNotContain("\n");
    assertThat(created.err()).contains("shown once");

    Jar.Result json = Jar.run(home, args(store, "--json", "api-keys", "create", "--name", "ops", "--scope", "admin"));
    JsonNode made = JSON.readTree(json.out());
    assertThat(made.get("name").asText()).isEqualTo("ops");
    assertThat(made.get("scope").asText()).isEqualTo("admin");
    assertThat(made.get("key").asText()).startsWith("tsk_");

    Jar.Result dup = Jar.run(home, args(store, "api-keys", "create", "--name", "portal"));
    assertThat(dup.exit()).isEqualTo(1);
    assertThat(dup.err()).contains("exists already");

    Jar.Result list = Jar.run(home, args(store, "api-keys", "list"));
    assertThat(list.out()).contains("portal", "ops", "read", "admin").doesNotContain(key)
        .doesNotContain(made.get("key").asText());

    try (Jar.Running serve = new Jar.Running(home, args(store, "serve", "--port", "0"))) {
      String line = serve.lineStartingWith("listening on ");
      String base = line.substring("listening on ".length()).split(" ")[0];
      assertThat(base).startsWith("http://127.0.0.1:");

      HttpResponse<String> r = accessToken(base, key, "{\"user_name\":\"jane@example.com\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      String access = JSON.readTree(r.body()).get("access_token").asText();
      assertThat(zoho.isAccessTokenValid(access)).isTrue();
      assertThat(r.body()).doesNotContain(SECRET);

      // revoked by another process: refused within the snapshot's age (1 s)
      Jar.Result revoked = Jar.run(home, args(store, "api-keys", "revoke", "portal"));
      assertThat(revoked.exit()).as(revoked.all()).isZero();
      // (the test waits for the refusal, up to 60 s, rather than 50 tries 100 ms apart: on a loaded machine the
      // server's next snapshot could come later than those 5 s; the property here is "refused", not the speed)
      int status = 200;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (status == 200 && System.nanoTime() - deadline < 0) {
        status = accessToken(base, key, "{\"user_name\":\"jane@example.com\"}").statusCode();
        if (status == 200) {
          Thread.sleep(100);
        }
      }
      assertThat(status).isEqualTo(401);

      serve.process.destroy(); // SIGTERM: a graceful stop
      serve.awaitExit();
      String err = serve.stderr();
      assertThat(err).contains("\"POST /api/v1/access-token\" 200", "portal")
          .doesNotContain(key).doesNotContain(access).doesNotContain(SECRET).doesNotContain("Exception");
    }
  }

  @Test
  void aBusyPortIsAClearError() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      Jar.Result r = Jar.run(home, args("sqlite:" + home.resolve("t.db"), "serve", "--port",
          Integer.toString(taken.getLocalPort())));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port");
    }
  }

  @Test
  void adminPasswordFileServesTheConsoleAndPortalServesLoginWithZoho() throws Exception {
    Path password = home.resolve("admin-password");
    java.nio.file.Files.writeString(password, "admin-SECRET-password-in-a-file\n");
    HttpClient noRedirects = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    try (Jar.Running serve = new Jar.Running(home, args("sqlite:" + home.resolve("c.db"), "serve", "--port", "0",
        "--admin-password-file", password.toString(), "--portal"))) {
      String base = serve.lineStartingWith("listening on ").substring("listening on ".length()).split(" ")[0];
      HttpResponse<String> login = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/console/login")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).isEqualTo(200);
      assertThat(login.body()).contains("id=\"password\"");
      assertThat(login.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("frame-ancestors 'none'");
      HttpResponse<String> start = noRedirects.send(HttpRequest.newBuilder(URI.create(base + "/connect/login"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(start.statusCode()).isEqualTo(303);
      assertThat(start.headers().firstValue("Location").orElseThrow()).startsWith(zoho.authorizationUrl())
          .contains("code_challenge_method=S256", "client_id=serve-client", "state=");
      serve.process.destroy();
      serve.awaitExit();
      assertThat(serve.stderr()).doesNotContain("admin-SECRET-password-in-a-file").doesNotContain(SECRET);
    }
  }

  @Test
  void anUnreadableAdminPasswordFileIsAUsageError() throws Exception {
    Jar.Result r = Jar.run(home, args("sqlite:" + home.resolve("t.db"), "serve", "--port", "0",
        "--admin-password-file", home.resolve("missing").toString()));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("admin password file", "cannot be read");
  }
}
