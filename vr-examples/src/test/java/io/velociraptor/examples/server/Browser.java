package io.velociraptor.examples.server;

import io.velociraptor.core.local.FileTrees;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * One headless Debian Chromium driven by Debian's chromedriver, both from {@code /usr/bin}: the
 * paths are given, so Selenium Manager (which would download a driver) never runs, and {@link
 * #start()} fails if it did. A fresh profile directory per browser, removed by {@link #close()}.
 * Waits poll the page with a deadline; nothing sleeps for a fixed time.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Where screenshots go: the repository's docs/screenshots, from vr-examples' working directory. */
  static final Path SCREENSHOTS = Path.of("../docs/screenshots").toAbsolutePath().normalize();
  static final Duration WAIT = Duration.ofSeconds(90);

  private static final Logger MANAGER_LOG = Logger.getLogger("org.openqa.selenium.manager.SeleniumManager");

  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private Browser(Path profile, ChromeDriverService service, ChromeDriver driver) {
    this.profile = profile;
    this.service = service;
    this.driver = driver;
  }

  /** @return a running browser with an empty profile; close it */
  static Browser start() {
    System.setProperty("SE_AVOID_STATS", "true");
    List<String> managerRuns = new ArrayList<>();
    Handler spy = new Handler() {
      @Override
      public void publish(LogRecord r) {
        managerRuns.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Level before = MANAGER_LOG.getLevel();
    MANAGER_LOG.setLevel(Level.ALL); // it logs "Executing Process" at FINE whenever it runs
    MANAGER_LOG.addHandler(spy);
    Path profile = null;
    ChromeDriverService service = null;
    try {
      profile = Files.createTempDirectory("vr-chromium-");
      service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
          .usingAnyFreePort().build();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toString());
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1400,1000");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logs);
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(60));
      if (!managerRuns.isEmpty()) {
        driver.quit();
        throw new IllegalStateException("Selenium Manager ran although the driver and browser paths are given: "
            + managerRuns);
      }
      return new Browser(profile, service, driver);
    } catch (IOException | RuntimeException e) {
      if (service != null) {
        service.stop();
      }
      if (profile != null) {
        deleteQuietly(profile);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    } finally {
      MANAGER_LOG.removeHandler(spy);
      MANAGER_LOG.setLevel(before);
    }
  }

  /** @return the driver, for what this class does not wrap */
  ChromeDriver driver() {
    return driver;
  }

  /** Loads {@code url} and waits for the document to have loaded. */
  void open(String url) {
    driver.get(url);
  }

  /** @return the result of running {@code script} in the page (arguments as {@code arguments[i]}) */
  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** @return the first element {@code by} finds, waiting for one to appear */
  WebElement element(By by) {
    return await("an element " + by, () -> driver.findElements(by).stream().findFirst());
  }

  /** @return the first element with {@code data-test=NAME}, waiting for one */
  WebElement test(String name) {
    return element(byTest(name));
  }

  /** @return a locator of {@code [data-test=NAME]} */
  static By byTest(String name) {
    return By.cssSelector("[data-test=\"" + name + "\"]");
  }

  /**
   * Waits until the text of the element {@code by} finds satisfies {@code ok}.
   *
   * @return that text
   */
  String awaitText(By by, java.util.function.Predicate<String> ok, String what) {
    return await(what + " (" + by + ")", () -> driver.findElements(by).stream().findFirst()
        .map(WebElement::getText).filter(ok));
  }

  /**
   * Polls {@code probe} until it gives a value, for at most {@link #WAIT}; an element replaced
   * while it is read counts as not there yet.
   *
   * @throws AssertionError naming {@code what}, with the page's text, when the deadline passes
   */
  <T> T await(String what, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        Optional<T> v = probe.get();
        if (v.isPresent()) {
          return v.get();
        }
      } catch (StaleElementReferenceException replaced) {
        // the page re-rendered between finding and reading: look again
      }
      if (System.nanoTime() > deadline) {
        String body;
        try {
          body = driver.findElement(By.tagName("body")).getText();
        } catch (RuntimeException e) {
          body = "(unreadable: " + e + ")";
        }
        throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what + " at " + driver.getCurrentUrl()
            + "; the page shows:\n" + body);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * Saves the window as {@code docs/screenshots/dashboard-PAGE.png}.
   *
   * @return the file
   */
  Path screenshot(String page) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path png = SCREENSHOTS.resolve("dashboard-" + page + ".png");
      Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
      Files.move(shot, png, StandardCopyOption.REPLACE_EXISTING);
      return png;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return the browser console's messages since the last call, "LEVEL message" */
  List<String> consoleMessages() {
    List<String> out = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      out.add(e.getLevel() + " " + e.getMessage());
    }
    return out;
  }

  /** @return the cookies the browser holds for the current page, name to value */
  Map<String, String> cookies() {
    Map<String, String> out = new java.util.TreeMap<>();
    driver.manage().getCookies().forEach(c -> out.put(c.getName(), c.getValue()));
    return out;
  }

  /** Quits the browser and its driver and removes the profile, whatever state they are in. */
  @Override
  public void close() {
    try {
      driver.quit();
    } catch (RuntimeException e) {
      // a crashed browser: the service stop below still ends chromedriver
    } finally {
      service.stop();
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      FileTrees.deleteTree(dir);
    } catch (IOException e) {
      // a profile left in /tmp harms nothing; the browser is gone
    }
  }
}
