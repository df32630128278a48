package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console and the portal in a real Chromium (Debian's, headless, through Selenium), against the service on
 * loopback and the accounts emulator: every click is a real request, every refresh and revoke a real call to the
 * accounts server. Screenshots go to target/console-screenshots/. Needs scripts/browser.sh.
 */
class ConsoleBrowserIT {
  @TempDir Path dir;
  private ConsoleFixture f;
  private WebDriver browser;
  private WebDriver second;

  @BeforeEach
  void start() {
    f = new ConsoleFixture(dir).seed();
    browser = Chromium.start();
  }

  @AfterEach
  void stop() {
    if (second != null) {
      second.quit();
    }
    if (browser != null) {
      browser.quit();
    }
    f.close();
  }

  private void signIn(WebDriver b, String password) {
    b.get(f.url("/console/tokens"));
    assertThat(b.getCurrentUrl()).endsWith("/console/login"); // sent to sign in first
    b.findElement(By.id("password")).sendKeys(password);
    Chromium.clickAndLoad(b, b.findElement(By.id("sign-in")));
  }

  private static String text(WebDriver b, String id) {
    return b.findElement(By.id(id)).getText();
  }

  @Test
  void signInSearchOpenRefreshAndRevoke() {
    signIn(browser, "not the password");
    assertThat(text(browser, "error")).isEqualTo("Wrong user name or password.");
    Chromium.screenshot(browser, "01-sign-in-refused");
    signIn(browser, ConsoleFixture.PASSWORD);
    assertThat(browser.getCurrentUrl()).endsWith("/console");
    assertThat(text(browser, "total")).isEqualTo("64 stored tokens.");
    assertThat(text(browser, "count-valid")).isEqualTo("60");
    assertThat(text(browser, "count-expired")).isEqualTo("3");
    assertThat(text(browser, "count-reauthorization_required")).isEqualTo("1");
    Chromium.screenshot(browser, "02-dashboard");

    Chromium.clickAndLoad(browser, browser.findElement(By.linkText("Tokens")));
    assertThat(text(browser, "summary")).isEqualTo("64 matching tokens; page 1 of 2.");
    assertThat(browser.findElements(By.cssSelector("tr.token-row"))).hasSize(50);
    Chromium.screenshot(browser, "03-tokens");
    Chromium.clickAndLoad(browser, browser.findElement(By.id("next")));
    assertThat(browser.findElements(By.cssSelector("tr.token-row"))).hasSize(14);

    new Select(browser.findElement(By.id("status"))).selectByValue("expired");
    Chromium.clickAndLoad(browser, browser.findElement(By.id("search")));
    assertThat(text(browser, "summary")).startsWith("3 matching tokens");

    new Select(browser.findElement(By.id("status"))).selectByValue("");
    browser.findElement(By.id("q")).clear();
    browser.findElement(By.id("q")).sendKeys("ADA@");
    Chromium.clickAndLoad(browser, browser.findElement(By.id("search")));
    List<WebElement> rows = browser.findElements(By.cssSelector("tr.token-row"));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).findElement(By.className("user")).getText()).isEqualTo(ConsoleFixture.ADA);
    Chromium.screenshot(browser, "04-search");

    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    Chromium.clickAndLoad(browser, rows.get(0).findElement(By.linkText(ada.id())));
    assertThat(text(browser, "token-user")).isEqualTo(ConsoleFixture.ADA);
    assertThat(text(browser, "token-status")).isEqualTo("valid");
    assertThat(text(browser, "access-fingerprint")).isEqualTo("fingerprint " + Secrets.fingerprint(ada.accessToken()));
    assertThat(browser.getPageSource()).doesNotContain(ada.accessToken(), ada.refreshToken(), "SECRET");

    long refreshes = f.zoho.refreshCalls();
    Chromium.clickAndLoad(browser, browser.findElement(By.id("refresh")));
    OAuthToken refreshed = f.byUser(ConsoleFixture.ADA);
    assertThat(refreshed.accessToken()).isNotEqualTo(ada.accessToken());
    assertThat(f.zoho.refreshCalls()).isEqualTo(refreshes + 1);
    assertThat(text(browser, "flash")).startsWith("Refreshed token " + ada.id());
    assertThat(text(browser, "access-fingerprint"))
        .isEqualTo("fingerprint " + Secrets.fingerprint(refreshed.accessToken()));
    assertThat(browser.findElement(By.cssSelector("table.history")).getText()).contains("refreshed");
    Chromium.screenshot(browser, "05-token-refreshed");

    Chromium.clickAndLoad(browser, browser.findElement(By.id("revoke")));
    assertThat(text(browser, "flash")).contains("Revoked token " + ada.id());
    assertThat(f.store.findTokenById(ada.id())).isEmpty();
    assertThat(f.zoho.isRefreshTokenValid(ada.refreshToken())).isFalse();
    assertThat(text(browser, "summary")).startsWith("63 matching tokens");

    Chromium.clickAndLoad(browser, browser.findElement(By.linkText("History")));
    String history = browser.findElement(By.cssSelector("table.history")).getText();
    assertThat(history).contains("revoked", "refreshed", "signed in", "sign-in refused", ConsoleFixture.ADA);
    Chromium.screenshot(browser, "06-history");
  }

  @Test
  void aSecondBrowserSessionSeesARevokeMadeInTheFirst() {
    OAuthToken ada = f.byUser(ConsoleFixture.ADA);
    second = Chromium.start();
    signIn(browser, ConsoleFixture.PASSWORD);
    signIn(second, ConsoleFixture.PASSWORD);
    browser.get(f.url("/console/tokens/" + ada.id()));
    second.get(f.url("/console/tokens/" + ada.id()));
    assertThat(text(second, "token-status")).isEqualTo("valid");

    Chromium.clickAndLoad(browser, browser.findElement(By.id("revoke")));
    assertThat(text(browser, "flash")).contains("Revoked token " + ada.id());

    second.navigate().refresh();
    assertThat(text(second, "error")).contains("No stored token has the id " + ada.id());
    second.get(f.url("/console/tokens?q=ada"));
    assertThat(text(second, "summary")).startsWith("0 matching tokens");
    second.get(f.url("/console/history"));
    assertThat(second.findElement(By.cssSelector("table.history")).getText()).contains("revoked");
  }

  @Test
  void cleanupPreviewThenGlobalLogout() {
    signIn(browser, ConsoleFixture.PASSWORD);
    Chromium.clickAndLoad(browser, browser.findElement(By.linkText("Cleanup")));
    WebElement days = browser.findElement(By.id("days"));
    days.clear();
    days.sendKeys("1");
    Chromium.clickAndLoad(browser, browser.findElement(By.id("preview")));
    assertThat(text(browser, "cleanup-summary")).startsWith("3 tokens expired more than 1 days ago");
    assertThat(browser.findElements(By.cssSelector("tr.cleanup-row"))).extracting(WebElement::getText)
        .allMatch(t -> t.contains("idle"));
    Chromium.screenshot(browser, "07-cleanup-preview");
    assertThat(f.store.getTokens()).hasSize(64); // a preview removes nothing
    Chromium.clickAndLoad(browser, browser.findElement(By.id("run-cleanup")));
    assertThat(text(browser, "flash")).isEqualTo("Cleanup: 3 idle tokens revoked and deleted.");
    assertThat(f.store.getTokens()).hasSize(61);

    Chromium.clickAndLoad(browser, browser.findElement(By.linkText("Global logout")));
    assertThat(text(browser, "confirm-text")).startsWith("This revokes 61 tokens");
    Chromium.screenshot(browser, "08-global-logout");
    long revokes = f.zoho.revokeCalls();
    Chromium.clickAndLoad(browser, browser.findElement(By.id("confirm-logout-all")));
    assertThat(text(browser, "flash")).startsWith("Global logout (all clients): 61 tokens revoked and deleted");
    assertThat(f.store.getTokens()).isEmpty();
    assertThat(f.zoho.revokeCalls()).isGreaterThanOrEqualTo(revokes + 60); // the lapsed one has only an access token
  }

  @Test
  void thePortalsLoginWithZohoConnectsAndDisconnects() {
    browser.get(f.url("/connect"));
    Chromium.screenshot(browser, "09-portal");
    String before = browser.manage().getCookieNamed("tokenstore_portal").getValue();
    Chromium.clickAndLoad(browser, browser.findElement(By.id("login-with-zoho"))); // to the emulator's consent, and back with a code
    assertThat(browser.getCurrentUrl()).isEqualTo(f.url("/connect"));
    assertThat(text(browser, "connected")).isEqualTo("Connected as " + ConsoleFixture.STUDENT + ".");
    assertThat(f.zoho.exchangeCalls()).isEqualTo(1);
    OAuthToken stored = f.byUser(ConsoleFixture.STUDENT);
    assertThat(stored.clientId()).isEqualTo(ConsoleFixture.CLIENT_ID);
    assertThat(f.zoho.isRefreshTokenValid(stored.refreshToken())).isTrue();
    assertThat(browser.getPageSource()).doesNotContain(stored.accessToken(), stored.refreshToken());
    assertThat(browser.manage().getCookieNamed("tokenstore_portal").isHttpOnly()).isTrue();
    assertThat(browser.manage().getCookieNamed("tokenstore_portal").getValue()).isNotEqualTo(before);
    Chromium.screenshot(browser, "10-portal-connected");

    Chromium.clickAndLoad(browser, browser.findElement(By.id("disconnect")));
    assertThat(text(browser, "flash")).startsWith("Disconnected");
    assertThat(browser.findElement(By.id("login-with-zoho")).isDisplayed()).isTrue();
    assertThat(f.store.findTokenById(stored.id())).isEmpty();
    assertThat(f.zoho.isRefreshTokenValid(stored.refreshToken())).isFalse();

    // connected again, then revoked elsewhere (through the API): the portal says so instead of "connected"
    Chromium.clickAndLoad(browser, browser.findElement(By.id("login-with-zoho")));
    assertThat(text(browser, "connected")).isEqualTo("Connected as " + ConsoleFixture.STUDENT + ".");
    OAuthToken again = f.byUser(ConsoleFixture.STUDENT);
    String key = f.server.apiKeys().create("ops", ApiScope.ADMIN).key();
    assertThat(new Http(f.server.uri()).delete("/api/v1/tokens/" + again.id(), key).status()).isEqualTo(200);
    browser.navigate().refresh();
    assertThat(text(browser, "flash")).startsWith("Your Zoho connection was ended by the school");
    assertThat(browser.findElements(By.id("connected"))).isEmpty();

    // a callback this browser did not start (a forged or replayed redirect) exchanges nothing
    browser.get(f.url("/connect/callback?code=1000.forged&state=forged"));
    assertThat(text(browser, "error")).contains("not started here");
    assertThat(f.zoho.exchangeCalls()).isEqualTo(2);
  }

  @Test
  void thePortalConnectsWhenTheUserConsentsOnTheAccountsServersSite() throws java.io.IOException {
    // Zoho's consent page: the user clicks Accept on a page of Zoho's site, which sends the browser back to the
    // portal. Here the consent page and the accounts emulator are at 127.0.0.1 and the service at localhost: two
    // sites to the browser, so the way back to the callback is a navigation from another site.
    com.sun.net.httpserver.HttpServer consent = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    String[] accountsServer = new String[1];
    consent.createContext("/oauth/v2/auth", ex -> {
      String accept = accountsServer[0] + "/oauth/v2/auth?" + ex.getRequestURI().getRawQuery();
      byte[] page = ("<!doctype html><title>Consent</title><a id=\"accept\" href=\"" + accept.replace("&", "&amp;")
          + "\">Accept</a>").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, page.length);
      ex.getResponseBody().write(page);
      ex.close();
    });
    consent.start();
    try {
      f.close();
      f = new ConsoleFixture(dir, java.time.Clock.systemUTC(), "localhost",
          "http://127.0.0.1:" + consent.getAddress().getPort() + "/oauth/v2/auth");
      accountsServer[0] = f.zoho.baseUrl();
      browser.get(f.url("/connect"));
      Chromium.clickAndLoad(browser, browser.findElement(By.id("login-with-zoho")));
      Chromium.clickAndLoad(browser, browser.findElement(By.id("accept"))); // on the accounts server's site
      assertThat(browser.getCurrentUrl()).isEqualTo(f.url("/connect"));
      assertThat(browser.findElements(By.id("error"))).extracting(WebElement::getText).isEmpty();
      assertThat(text(browser, "connected")).isEqualTo("Connected as " + ConsoleFixture.STUDENT + ".");
      assertThat(f.zoho.exchangeCalls()).isEqualTo(1);
      Chromium.clickAndLoad(browser, browser.findElement(By.id("disconnect")));
      assertThat(text(browser, "flash")).startsWith("Disconnected");
    } finally {
      consent.stop(0);
    }
  }

  @Test
  void readableAtPhoneWidth() {
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(360, 740));
    signIn(browser, ConsoleFixture.PASSWORD);
    browser.get(f.url("/console/tokens/" + f.byUser(ConsoleFixture.ADA).id()));
    Long overflow = (Long) ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    Chromium.screenshot(browser, "11-token-360px");
    assertThat(overflow).as("horizontal overflow at 360 px").isLessThanOrEqualTo(0L);
    assertThat(browser.findElement(By.id("revoke")).isDisplayed()).isTrue();
  }

}
