package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.server.internal.console.History;
import dev.tokenstore.spi.EntryTable;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's web security over plain HTTP on loopback (no browser needed): CSRF, cookies, headers, sign-in
 * throttling, pages without secrets. The browser tests are {@code ConsoleBrowserIT}.
 */
class ConsoleTest {

  @TempDir Path dir;
  private ConsoleFixture f;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    f = new ConsoleFixture(dir).seed();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  /** A browser of its own on this test's service. */
  private final class Browser extends WebClient {
    Browser() {
      super(http, f.server.uri().toString());
    }

    @Override
    Browser signIn() {
      super.signIn();
      return this;
    }
  }

  @Test
  void aFormPostedWithoutItsCsrfTokenIsRefusedAndChangesNothing() {
    Browser admin = new Browser().signIn();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    String path = "/console/tokens/" + ada.id() + "/revoke";

    HttpResponse<String> none = admin.post(path, Map.of());
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("CSRF token is missing or wrong");
    HttpResponse<String> wrong = admin.post(path, Map.of("csrf", "not-the-token"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    // another session's token is no good either
    String othersToken = new Browser().csrf("/console/login");
    assertThat(admin.post(path, Map.of("csrf", othersToken)).statusCode()).isEqualTo(403);
    assertThat(f.store.findTokenById(ada.id())).isPresent();
    assertThat(f.zoho.revokeCalls()).isZero();

    HttpResponse<String> ok = admin.post(path, Map.of("csrf", admin.csrf("/console/tokens/" + ada.id())));
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(f.store.findTokenById(ada.id())).isEmpty();
    assertThat(f.zoho.isRefreshTokenValid(ada.refreshToken())).isFalse();
  }

  @Test
  void pagesNeedTheAdminAndCarryTheSecurityHeadersAndCookieFlags() {
    Browser anonymous = new Browser();
    HttpResponse<String> tokens = anonymous.get("/console/tokens");
    assertThat(tokens.statusCode()).isEqualTo(303);
    assertThat(tokens.headers().firstValue("Location")).contains("/console/login");

    HttpResponse<String> login = anonymous.get("/console/login");
    assertThat(login.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'none'", "frame-ancestors 'none'", "form-action 'self'").doesNotContain("unsafe");
    assertThat(login.headers().firstValue("X-Frame-Options")).contains("DENY");
    assertThat(login.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    assertThat(login.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("HttpOnly", "SameSite=Strict", "Path=/console").doesNotContain("Secure");
    assertThat(login.body()).doesNotContain("<script");

    // a session from before sign-in is replaced at sign-in (no fixation)
    String before = anonymous.cookies.get("tokenstore_console");
    anonymous.signIn();
    assertThat(anonymous.cookies.get("tokenstore_console")).isNotEqualTo(before);
    HttpResponse<String> list = anonymous.get("/console/tokens");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("64 matching tokens").doesNotContain("<script");
  }

  @Test
  void aRefreshByAManagerShowsOnTheTokensPageInTheListAndOnTheDashboard() {
    OAuthToken idle = f.byUser("idle1@zylker.example"); // expired 3 days ago: the next use refreshes it
    String key = f.server.apiKeys().create("reader", ApiScope.READ).key();
    Http.Reply r = new Http(f.server.uri()).post("/api/v1/access-token", key, "{\"id\":\"" + idle.id() + "\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    Browser admin = new Browser().signIn();

    String page = admin.get("/console/tokens/" + idle.id()).body();
    assertThat(page).contains("<td class=\"action\">refreshed</td>").contains("token manager (")
        .doesNotContain("SECRET");
    String list = admin.get("/console/tokens?q=idle1").body();
    Matcher last = Pattern.compile("<td class=\"last-refresh\">([^<]*)</td>").matcher(list);
    assertThat(last.find()).as(list).isTrue();
    assertThat(last.group(1)).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ");
    assertThat(list).contains("<td class=\"num failures\">0</td>");
    String others = admin.get("/console/tokens?q=idle2").body();
    assertThat(others).contains("<td class=\"last-refresh\">—</td>");
    assertThat(admin.get("/console").body()).containsPattern("id=\"hour-\\d\\d-refreshed\">1<");
  }

  @Test
  void aTokenDeletedThroughTheApiTakesItsRefreshHistoryWithIt() {
    // a SQL store may give a new token the id of a deleted one: it must not show the old token's refreshes
    OAuthToken idle = f.byUser("idle1@zylker.example");
    String key = f.server.apiKeys().create("ops", ApiScope.ADMIN).key();
    Http api = new Http(f.server.uri());
    assertThat(api.post("/api/v1/access-token", key, "{\"id\":\"" + idle.id() + "\"}").status()).isEqualTo(200);
    Browser admin = new Browser().signIn();
    assertThat(admin.get("/console/tokens/" + idle.id()).body()).contains("<td class=\"action\">refreshed</td>");

    Http.Reply deleted = api.delete("/api/v1/tokens/" + idle.id() + "?revoke=false", key);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
    f.store.saveToken(OAuthToken.builder().id(idle.id()).userName("newcomer@zylker.example")
        .clientId(idle.clientId()).refreshToken("1000.newcomer-refresh-SECRET").build());

    String page = admin.get("/console/tokens/" + idle.id()).body();
    assertThat(page).contains("newcomer@zylker.example").doesNotContain("<td class=\"action\">refreshed</td>");
  }

  @Test
  void theCleanupPreviewShowsTheFirstRowsAndCountsThemAll() {
    // 250 more idle tokens (a store of 100,000 may have tens of thousands): the page lists the first 200 in id
    // order, and the count it states, confirms and posts is all of them
    java.time.Instant longAgo = java.time.Instant.now().minus(java.time.Duration.ofDays(10));
    List<OAuthToken> idle = new java.util.ArrayList<>();
    for (int i = 0; i < 250; i++) {
      idle.add(OAuthToken.builder().userName("dormant" + i + "@zylker.example").clientId("1000.DORMANT")
          .refreshToken("1000.dormant-refresh-SECRET-" + i).accessToken("1000.dormant-access-SECRET-" + i)
          .expiresAt(longAgo).build());
    }
    f.store.saveTokens(idle);
    Browser admin = new Browser().signIn();
    String page = admin.get("/console/cleanup?days=1").body();
    assertThat(Pattern.compile("class=\"cleanup-row\"").matcher(page).results().count()).isEqualTo(200);
    assertThat(page).contains("253 tokens expired more than 1 days ago", "the first 200 are listed",
        "name=\"count\" value=\"253\"", "these 253 tokens").doesNotContain("SECRET");
  }

  @Test
  void noPageShowsASecret() {
    Browser admin = new Browser().signIn();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    StringBuilder all = new StringBuilder();
    for (String path : new String[] {"/console", "/console/tokens", "/console/tokens?page=2",
        "/console/tokens/" + ada.id(), "/console/cleanup?days=1", "/console/logout-all", "/console/history"}) {
      HttpResponse<String> r = admin.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      all.append(r.body());
    }
    assertThat(all.toString()).doesNotContain("SECRET", ada.accessToken(), ada.refreshToken(), ConsoleFixture.PASSWORD)
        .contains("fingerprint " + dev.tokenstore.Secrets.fingerprint(ada.refreshToken()));
  }

  @Test
  void wrongPasswordsAreThrottledPerAddressAndRecorded() {
    Browser b = new Browser();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = b.post("/console/login", Map.of("csrf", b.csrf("/console/login"), "user", "admin",
          "password", "wrong password " + i));
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.body()).contains("Wrong user name or password");
    }
    HttpResponse<String> blocked = b.post("/console/login", Map.of("csrf", b.csrf("/console/login"), "user",
        "admin", "password", ConsoleFixture.PASSWORD));
    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(blocked.headers().firstValue("Retry-After")).isPresent();
    assertThat(b.get("/console/tokens").statusCode()).isEqualTo(303); // still not signed in
    EntryTable entries = f.store.capability(EntryTable.class).orElseThrow();
    assertThat(entries.list(History.KIND).values()).filteredOn(v -> v.contains("sign-in refused")).hasSize(5);
  }

  @Test
  void signOutEndsTheSession() {
    Browser admin = new Browser().signIn();
    String csrf = admin.csrf("/console/tokens");
    String cookie = admin.cookies.get("tokenstore_console");
    assertThat(admin.post("/console/logout", Map.of("csrf", csrf)).statusCode()).isEqualTo(303);
    Browser replay = new Browser();
    replay.cookies.put("tokenstore_console", cookie);
    assertThat(replay.get("/console/tokens").statusCode()).isEqualTo(303);
  }

  @Test
  void theGlobalLogoutRevokesNothingWhenTheCountChangedSinceTheConfirmation() {
    Browser admin = new Browser().signIn();
    String csrf = admin.csrf("/console/logout-all");
    HttpResponse<String> stale = admin.post("/console/logout-all", Map.of("csrf", csrf, "client", "", "count", "3"));
    assertThat(stale.statusCode()).isEqualTo(303);
    assertThat(f.store.getTokens()).hasSize(64);
    assertThat(admin.get("/console/logout-all").body()).contains("changed from 3 to 64", "Revoke 64 tokens");
  }

  @Test
  void aSessionEndsAfterItsIdleTimeout() {
    f.close();
    dev.tokenstore.emulator.ManualClock clock = new dev.tokenstore.emulator.ManualClock(java.time.Instant.now());
    f = new ConsoleFixture(dir, clock);
    Browser admin = new Browser().signIn();
    clock.advance(Duration.ofMinutes(14));
    assertThat(admin.get("/console/tokens").statusCode()).isEqualTo(200); // a request keeps it alive
    clock.advance(Duration.ofMinutes(14));
    assertThat(admin.get("/console/tokens").statusCode()).isEqualTo(200);
    clock.advance(Duration.ofMinutes(16));
    HttpResponse<String> idle = admin.get("/console/tokens");
    assertThat(idle.statusCode()).isEqualTo(303);
    assertThat(idle.headers().firstValue("Location")).contains("/console/login");
  }

  @Test
  void theApisChangesAreInTheConsolesHistoryUnderTheirApiKey() {
    String key = f.server.apiKeys().create("ops", ApiScope.ADMIN).key();
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    Http.Reply r = new Http(f.server.uri()).delete("/api/v1/tokens/" + ada.id(), key);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    Browser admin = new Browser().signIn();
    String history = admin.get("/console/history").body();
    assertThat(history).contains("API key ops", "revoked", ConsoleFixture.ADA).doesNotContain(key);
  }
}
