package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.oauth.Environment;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service over a real encrypted SQLite store one of whose records was damaged on disk: {@code GET
 * /api/v1/tokens} and the console's token list show the good records and mark the damaged one instead of failing,
 * and the damaged record's page shows its error and deletes it.
 */
class DamagedRecordServerTest {
  private static final String CLIENT_ID = "1000.DAMAGED";

  @TempDir Path dir;
  private EncryptedTokenStore store;
  private TokenServer server;
  private Http api;
  private String readKey;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void start() throws Exception {
    Path db = dir.resolve("tokens.db");
    KeyringFile keys = KeyringFile.create(dir.resolve("keys").resolve("tokens.keyring"),
        Keyring.generate(Clock.systemUTC()));
    store = EncryptedTokenStore.open("sqlite:" + db, keys);
    for (String user : new String[] {"ann@example.com", "bob@example.com", "carl@example.com"}) {
      store.saveToken(OAuthToken.builder().userName(user).clientId(CLIENT_ID).clientSecret("cs-SECRET")
          .refreshToken("1000.rt-SECRET-" + user).accessToken("1000.at-SECRET-" + user)
          .expiresAt(Instant.now().plus(Duration.ofHours(1))).apiDomain("https://www.zohoapis.com").build());
    }
    // a disk fault changes the last character of bob's access token ciphertext
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      assertThat(st.executeUpdate("UPDATE oauthtoken SET access_token = substr(access_token, 1, "
          + "length(access_token) - 1) || CASE WHEN substr(access_token, -1) = 'A' THEN 'B' ELSE 'A' END "
          + "WHERE id = '2'")).isEqualTo(1);
    }
    Path password = dir.resolve("admin-password");
    Files.writeString(password, ConsoleFixture.PASSWORD + "\n");
    server = TokenServer.builder(store)
        .port(0)
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "https://www.zohoapis.com"))
        .defaultClient(CLIENT_ID, "client-SECRET")
        .accessLog(false)
        .shutdownGrace(Duration.ofSeconds(5))
        .console(password)
        .build()
        .start();
    api = new Http(server.uri());
    readKey = server.apiKeys().create("reader", ApiScope.READ).key();
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  @Test
  void theApiListsTheGoodRecordsAndMarksTheDamagedOne() {
    Http.Reply r = api.get("/api/v1/tokens", readKey);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode items = r.json().get("items");
    assertThat(items).hasSize(3);
    assertThat(items.get(0).get("user_name").asText()).isEqualTo("ann@example.com");
    assertThat(items.get(0).get("status").asText()).isEqualTo("valid");
    JsonNode bob = items.get(1);
    assertThat(bob.get("id").asText()).isEqualTo("2");
    assertThat(bob.get("user_name").asText()).isEqualTo("bob@example.com");
    assertThat(bob.get("status").asText()).isEqualTo("damaged");
    assertThat(bob.get("error").get("code").asText()).isEqualTo("DECRYPTION_FAILED");
    assertThat(bob.get("error").get("message").asText()).contains("record 2");
    assertThat(items.get(2).get("status").asText()).isEqualTo("valid");
    assertThat(r.body()).doesNotContain("SECRET");

    // paging continues past the damaged record
    Http.Reply first = api.get("/api/v1/tokens?limit=2", readKey);
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().get("next_after").asText()).isEqualTo("2");
    Http.Reply rest = api.get("/api/v1/tokens?limit=2&after=2", readKey);
    assertThat(rest.json().get("items").get(0).get("user_name").asText()).isEqualTo("carl@example.com");
  }

  @Test
  void aDamagedRecordsHostileUserNameIsShownInertAndFiltersStillApply() throws Exception {
    String hostile = "<script>alert(1)</script>eve\u202Egpj.exe";
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("tokens.db"));
        java.sql.PreparedStatement st = c.prepareStatement("UPDATE oauthtoken SET user_name = ? WHERE id = '2'")) {
      st.setString(1, hostile);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
    WebClient browser = new WebClient(http, server.uri().toString()).signIn();
    for (String path : new String[] {"/console/tokens?q=script", "/console/tokens/2"}) {
      HttpResponse<String> r = browser.get(path);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).as(path).doesNotContain("<script>alert", "\u202E", "SECRET");
    }
    assertThat(browser.get("/console/tokens?q=script").body()).contains("status-damaged", "&lt;script&gt;",
        "[U+202E]").doesNotContain("ann@example.com");

    Http.Reply valid = api.get("/api/v1/tokens?status=valid", readKey);
    assertThat(valid.status()).as(valid.body()).isEqualTo(200);
    JsonNode items = valid.json().get("items");
    assertThat(items).hasSize(3);
    assertThat(items.get(1).get("status").asText()).isEqualTo("damaged");
    assertThat(items.get(1).get("user_name").asText()).isEqualTo(hostile);
    assertThat(valid.body()).doesNotContain("SECRET");
  }

  @Test
  void aKeyringThatCannotBeReadFailsTheWholeListRatherThanShowingAHalfOne() throws Exception {
    // dave's record is sealed by a key this keyring lacks: reading it asks for the latest keyring, which is broken
    KeyringFile other = KeyringFile.create(dir.resolve("other").resolve("tokens.keyring"),
        Keyring.generate(Clock.systemUTC()));
    try (EncryptedTokenStore elsewhere = EncryptedTokenStore.open("sqlite:" + dir.resolve("tokens.db"), other)) {
      elsewhere.saveToken(OAuthToken.builder().userName("dave@example.com").clientId(CLIENT_ID).clientSecret("cs-SECRET")
          .refreshToken("1000.rt-SECRET-dave").accessToken("1000.at-SECRET-dave")
          .expiresAt(Instant.now().plus(Duration.ofHours(1))).apiDomain("https://www.zohoapis.com").build());
    }
    assertThat(api.get("/api/v1/tokens", readKey).json().get("items").get(3).get("error").get("code").asText())
        .isEqualTo("UNKNOWN_KEY");
    Files.writeString(dir.resolve("keys").resolve("tokens.keyring"), "{ not a keyring, and longer than before");

    Http.Reply list = api.get("/api/v1/tokens", readKey);
    assertThat(list.status()).as(list.body()).isBetween(500, 599);
    assertThat(list.body()).contains("KEYRING_ERROR").doesNotContain("ann@example.com", "SECRET");
    HttpResponse<String> console = new WebClient(http, server.uri().toString()).signIn().get("/console/tokens");
    assertThat(console.statusCode()).as(console.body()).isBetween(500, 599);
    assertThat(console.body()).doesNotContain("ann@example.com", "SECRET");
  }

  @Test
  void theConsoleListMarksTheDamagedRecordWhosePageShowsTheErrorAndDeletesIt() {
    WebClient browser = new WebClient(http, server.uri().toString()).signIn();
    HttpResponse<String> list = browser.get("/console/tokens");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    assertThat(list.body()).contains("ann@example.com", "carl@example.com", "bob@example.com",
        "status-damaged", "DECRYPTION_FAILED", "href=\"/console/tokens/2\"").doesNotContain("SECRET");
    HttpResponse<String> search = browser.get("/console/tokens?q=bob");
    assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
    assertThat(search.body()).contains("status-damaged").doesNotContain("ann@example.com");
    HttpResponse<String> dashboard = browser.get("/console");
    assertThat(dashboard.statusCode()).as(dashboard.body()).isEqualTo(200);

    HttpResponse<String> page = browser.get("/console/tokens/2");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"token-error\"", "[DECRYPTION_FAILED]", "/console/tokens/2/delete",
        "id=\"delete\"").doesNotContain("id=\"refresh\"", "id=\"revoke\"", "SECRET");

    HttpResponse<String> deleted = browser.post("/console/tokens/2/delete",
        Map.of("csrf", browser.csrf("/console/tokens/2")));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(303);
    assertThat(store.getTokens()).extracting(OAuthToken::userName)
        .containsExactly("ann@example.com", "carl@example.com");
    HttpResponse<String> after = browser.get("/console/tokens");
    assertThat(after.body()).contains("Deleted token 2").doesNotContain("status-damaged");
  }

  @Test
  void theApiDeletesADamagedRecordWithoutRevoking() {
    String admin = server.apiKeys().create("admin", ApiScope.ADMIN).key();
    Http.Reply r = api.delete("/api/v1/tokens/2?revoke=false", admin);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("deleted").asBoolean()).isTrue();
    assertThat(store.getTokens()).hasSize(2);
  }

  @Test
  void callsForTheDamagedRecordItselfAnswerAConflictThatSaysWhatToDo() {
    String admin = server.apiKeys().create("admin", ApiScope.ADMIN).key();
    for (Http.Reply r : new Http.Reply[] {
        api.get("/api/v1/tokens/2", readKey),
        api.post("/api/v1/access-token", readKey, "{\"user_name\":\"bob@example.com\"}"),
        api.delete("/api/v1/tokens/2", admin)}) {
      // the record is there but cannot be read: a conflict with the store's state (not a failure of the service),
      // whose detail names the record and the way out; never a secret
      assertThat(r.status()).as(r.body()).isEqualTo(409);
      assertThat(r.json().get("code").asText()).isEqualTo("DECRYPTION_FAILED");
      assertThat(r.json().get("detail").asText()).contains("record 2");
      assertThat(r.body()).doesNotContain("SECRET");
    }
    assertThat(api.delete("/api/v1/tokens/2", admin).json().get("detail").asText()).contains("revoke=false");
    // the refused delete (it would revoke, which needs the secrets) left the record there
    assertThat(api.get("/api/v1/tokens", readKey).json().get("items")).hasSize(3);
  }
}
