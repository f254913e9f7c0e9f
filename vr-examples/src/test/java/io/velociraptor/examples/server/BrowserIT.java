package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The browser fixture itself, against a page a JDK HTTP server on loopback serves: Debian's
 * Chromium starts headless through the given chromedriver, runs the page's script, and saves a
 * screenshot.
 */
class BrowserIT {
  static HttpServer http;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      byte[] page = ("<!doctype html><title>harness</title><p id=\"static\">served</p>"
          + "<p id=\"scripted\"></p><script>document.getElementById('scripted').textContent = 'ran ' + (6 * 7);"
          + "</script>").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, page.length);
      exchange.getResponseBody().write(page);
      exchange.close();
    });
    http.start();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (http != null) {
        http.stop(0);
      }
    }
  }

  @Test
  void chromiumLoadsAPageRunsItsScriptAndTakesAScreenshot() throws Exception {
    browser.open("http://127.0.0.1:" + http.getAddress().getPort() + "/");
    assertThat(browser.element(By.id("static")).getText()).isEqualTo("served");
    assertThat(browser.awaitText(By.id("scripted"), t -> !t.isEmpty(), "the script's text")).isEqualTo("ran 42");
    assertThat(browser.driver().getCapabilities().getBrowserVersion()).isNotEmpty();
    Path shot = browser.driver().getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath();
    byte[] png = Files.readAllBytes(shot);
    assertThat(java.util.Arrays.copyOf(png, 4)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Files.delete(shot);
  }
}
