package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands whose new tokens the store cannot keep, run as the real jar: a refresh on a store that cannot write
 * fails before the server is called (nothing rotated), and an exchange or import whose result the store refuses to
 * save fails with {@code TOKEN_NOT_SAVED}, with exit code 1 instead of reporting success (the library's test
 * {@code UnsavedResultTest} covers a store that fails between its check and the save); a token
 * reply that is not a valid token fails with {@code PROTOCOL_ERROR} and leaves the store unchanged. The store is a
 * real SQLite database whose token table refuses writes for real (triggers that abort every insert and update, as
 * a read-only policy would; this works when the tests run as root, where file permissions would not); its lease
 * table stays writable. The server is the accounts emulator, rotating refresh tokens.
 */
class StoreFailureIT {
  private static final String SECRET = "cli-client-SECRET-value";
  private static final String SCOPE = "ZohoCRM.users.READ";
  private static AccountsEmulator zoho;

  @TempDir Path home;

  @BeforeAll
  static void start() {
    zoho = AccountsEmulator.builder().user("jane@example.com").rotateRefreshTokens(true).tokenSuffix("-SECRET")
        .start();
  }

  @AfterAll
  static void stop() {
    zoho.close();
  }

  private String store() {
    return "sqlite:" + home.resolve("tokens.db");
  }

  private String[] args(String... more) {
    List<String> a = new ArrayList<>(List.of("--store", store(), "--accounts-url", zoho.baseUrl(), "--client-id",
        "cli-client", "--client-secret", SECRET));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  /** Stores tokens the emulator issued to jane, the access token expiring at {@code expiry}: record id 1. */
  private OAuthToken seed(Instant expiry) {
    IssuedTokens issued = zoho.issueTokens("cli-client", SCOPE, "jane@example.com");
    try (TokenStore s = TokenStores.open(store())) {
      return s.saveToken(OAuthToken.builder().userName("jane@example.com").clientId("cli-client")
          .clientSecret(SECRET).refreshToken(issued.refreshToken()).accessToken(issued.accessToken())
          .expiresAt(expiry.truncatedTo(ChronoUnit.MILLIS)).apiDomain(zoho.apiDomain()).build());
    }
  }

  /** From now on the token table refuses every insert and update (the store is opened once first, so it exists). */
  private void makeTheTokenTableReadOnly() throws Exception {
    try (TokenStore s = TokenStores.open(store())) {
      s.getTokens();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("tokens.db"));
        Statement st = c.createStatement()) {
      st.execute("CREATE TRIGGER read_only_insert BEFORE INSERT ON oauthtoken "
          + "BEGIN SELECT RAISE(ABORT, 'the token table is read-only'); END");
      st.execute("CREATE TRIGGER read_only_update BEFORE UPDATE ON oauthtoken "
          + "BEGIN SELECT RAISE(ABORT, 'the token table is read-only'); END");
    }
  }

  private List<OAuthToken> stored() {
    try (TokenStore s = TokenStores.open(store())) {
      return s.getTokens();
    }
  }

  private static void assertFailed(Jar.Result r, String code, String... secrets) {
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).as("nothing on stdout").isEmpty();
    assertThat(r.err()).contains("error: [" + code + "]");
    assertThat(r.all()).doesNotContain(SECRET, "\tat ", "-SECRET");
    for (String s : secrets) {
      assertThat(r.all()).doesNotContain(s);
    }
  }

  @Test
  void aForcedRefreshOnAStoreThatCannotSaveFailsBeforeTheServerRotatesAnything() throws Exception {
    OAuthToken seeded = seed(Instant.now().plusSeconds(3600));
    makeTheTokenTableReadOnly();
    long calls = zoho.refreshCalls();

    Jar.Result r = Jar.run(home, args("refresh", "--id", "1", "--force"));

    assertFailed(r, "STORE_UNAVAILABLE", seeded.refreshToken(), seeded.accessToken());
    assertThat(r.all()).doesNotContain("Refreshed:");
    assertThat(r.err()).contains("refresh was not attempted", "Nothing was changed");
    assertThat(zoho.refreshCalls()).as("the server is not asked for tokens the store could not keep")
        .isEqualTo(calls);
    assertThat(zoho.isRefreshTokenValid(seeded.refreshToken())).as("the stored refresh token still works").isTrue();
    assertThat(stored()).containsExactly(seeded);
  }

  @Test
  void anAccessTokenWhoseRefreshCannotBeSavedIsNotPrinted() throws Exception {
    OAuthToken seeded = seed(Instant.now().minusSeconds(60));
    makeTheTokenTableReadOnly();
    long calls = zoho.refreshCalls();

    Jar.Result r = Jar.run(home, args("access-token", "--user", "jane@example.com"));

    assertFailed(r, "STORE_UNAVAILABLE", seeded.refreshToken(), seeded.accessToken());
    assertThat(zoho.refreshCalls()).isEqualTo(calls);
    assertThat(stored()).containsExactly(seeded);
  }

  @Test
  void anExchangeWhoseResultCannotBeSavedFails() throws Exception {
    makeTheTokenTableReadOnly();
    String code = zoho.issueGrantCode("cli-client", "http://localhost/cb", SCOPE);

    Jar.Result r = Jar.run(home, args("exchange", "--grant-token", code, "--redirect-url", "http://localhost/cb",
        "--user", "jane@example.com"));

    assertFailed(r, "TOKEN_NOT_SAVED", code);
    assertThat(r.err()).contains("grant token is used up");
    assertThat(stored()).isEmpty();
  }

  @Test
  void anImportWhoseResultCannotBeSavedFails() throws Exception {
    makeTheTokenTableReadOnly();
    String rt = zoho.issueTokens("cli-client", SCOPE, "bob@example.com").refreshToken();

    Jar.Result r = Jar.run(home, args("import", "--refresh-token", rt, "--user", "bob"));

    assertFailed(r, "TOKEN_NOT_SAVED", rt);
    assertThat(stored()).isEmpty();
  }

  @Test
  void aBlankAccessTokenFromTheServerIsAProtocolErrorAndTheStoreIsUnchanged() throws Exception {
    OAuthToken seeded = seed(Instant.now().minusSeconds(60));
    for (String body : List.of("{\"access_token\":\"\",\"expires_in\":3600}",
        "{\"access_token\":\"   \",\"expires_in\":3600}",
        "{\"access_token\":\"1000.at-SECRET\",\"expires_in\":1e300}",
        "{\"access_token\":\"1000.at-SECRET\",\"expires_in\":\"NaN\"}")) {
      zoho.faults().json(200, body);

      Jar.Result r = Jar.run(home, args("access-token", "--user", "jane@example.com"));

      assertFailed(r, "PROTOCOL_ERROR", seeded.refreshToken(), seeded.accessToken());
      assertThat(r.err()).as(body).containsAnyOf("access_token", "expires_in");
      assertThat(stored()).containsExactly(seeded);
    }
    assertThat(zoho.faults().pending()).isZero();
  }
}
