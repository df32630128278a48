package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium through Debian's chromedriver, both by explicit path so that Selenium Manager never
 * downloads anything. Installed by {@code scripts/browser.sh}.
 */
final class Chromium {
  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  private Chromium() {}

  /** A new browser (its own profile, so its own cookies); fails with what to do when Chromium is missing. */
  static WebDriver start() {
    assertThat(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER))
        .as("Chromium is not installed (" + BROWSER + ", " + DRIVER + "): run scripts/browser.sh (as root; it runs "
            + "apt-get install -y chromium chromium-driver), then run the browser tests again")
        .isTrue();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--no-first-run", "--disable-extensions", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(DRIVER.toString()))
        .usingAnyFreePort()
        .withTimeout(Duration.ofSeconds(60)) // the driver's start, slow on a loaded machine (the default is 20 s)
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    return driver;
  }

  /**
   * Clicks {@code element}, which leads to another page (a link, a form's button), and returns once the browser has
   * left the current page (its document is gone), so the request behind it has been answered, and the new page has
   * loaded. WebDriver's click may return before a navigation it started has begun, so what a test reads next (the
   * store, the new page) could still be from before the click; and the new document may still be loading when the
   * old one is gone, so its elements are waited for too rather than assumed.
   */
  static void clickAndLoad(WebDriver driver, WebElement element) {
    WebElement page = driver.findElement(By.tagName("html"));
    element.click();
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
    wait.until(ExpectedConditions.stalenessOf(page));
    wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
  }

  /** Saves a screenshot as target/console-screenshots/NAME.png. */
  static void screenshot(WebDriver driver, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
