package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.examples.KillUntilFatal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in headless Chromium against a real {@link VrServer} over one private
 * supervisord (h1, which also runs a foreign and a legacy program) and a host whose supervisord
 * is down (h2): login, every page with real data, and a dispatch started from the swarm page
 * followed live over SSE to done, and a proc killed by hand until Supervisor gives up shown FATAL,
 * then replaced by the reconciler live on the swarm page. Each page's screenshot goes to
 * docs/screenshots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  static final String DEPLOY = "deploy-token-dashboard-0123";
  static final String SWARM = ServedFleet.SWARM;
  static final String FOREIGN = "nightly_report";
  static final String LEGACY = "oldapp-v1-prod-abc123-web-9999";
  static ServedFleet served;
  static VrServer server;
  static io.velociraptor.core.deploy.Reconciler reconciler;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    served = ServedFleet.builder("vr-dashboard-it-").deadHost().token("ci", DEPLOY, "deploy")
        // programs vr did not dispatch: shown on the procs page, never given buttons
        .otherPrograms("[program:" + FOREIGN + "]\ncommand=/bin/sleep 100000\n"
            + "startsecs=0\n\n[program:" + LEGACY + "]\ncommand=/bin/sleep 100000\nstartsecs=0\n")
        // the reconciler repairs what the test breaks by hand; paused around each break so the page can show it
        .reconciler(r -> r.interval(Duration.ofSeconds(1)).hostGrace(Duration.ofSeconds(3)))
        .start();
    server = served.server();
    reconciler = served.reconciler();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (served != null) {
        served.close();
      }
    }
  }

  static String url(String hash) {
    return server.url().resolve("/").toString() + hash;
  }

  /** Opens a route and waits until its page has loaded real data. */
  static WebElement page(String hash, String test) {
    browser.open(url(hash));
    return browser.await(test + " loaded", () -> browser.driver().findElements(Browser.byTest(test)).stream()
        .filter(e -> "true".equals(e.getDomAttribute("data-loaded"))).findFirst());
  }

  @Test
  @Order(1)
  void aBadTokenShowsAnErrorAndAGoodOneLogsInWithoutPuttingItInTheUrl() {
    browser.open(url("#/fleet"));
    browser.test("login-token").sendKeys("not-the-token");
    browser.test("login-submit").click();
    assertThat(browser.awaitText(Browser.byTest("login-error"), t -> !t.isEmpty(), "the login error"))
        .contains("not valid").doesNotContain("not-the-token");
    browser.screenshot("login");
    browser.test("login-token").sendKeys(DEPLOY);
    browser.test("login-submit").click();
    page("#/fleet", "page-fleet");
    assertThat(browser.driver().getCurrentUrl()).doesNotContain(DEPLOY);
    assertThat((String) browser.js("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"))
        .doesNotContain(DEPLOY);
    assertThat(browser.cookies()).containsKey("vr_session").doesNotContainValue(DEPLOY);
  }

  @Test
  @Order(2)
  void aDispatchOverTheApiStoresTheSwarmThePagesShow() throws Exception {
    HttpResponse<String> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        server.url().resolve("/api/swarms/" + SWARM + "?wait=true")).timeout(Duration.ofSeconds(300))
        .header("Authorization", "Bearer " + DEPLOY).PUT(HttpRequest.BodyPublishers.ofString(swarmJson(1))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void theFleetPageShowsEachHostReachableOrWhyNot() {
    page("#/fleet", "page-fleet");
    WebElement h1 = browser.element(By.cssSelector("[data-test=host-row][data-host=h1]"));
    WebElement h2 = browser.element(By.cssSelector("[data-test=host-row][data-host=h2]"));
    assertThat(h1.getText()).contains("reachable").contains("s");
    assertThat(h2.getText()).contains("unreachable");
    assertThat(h2.findElement(Browser.byTest("host-why")).getText()).isNotBlank();
    browser.screenshot("fleet");
  }

  @Test
  @Order(3)
  void aDispatchFromTheSwarmPageShowsLiveProgressAndEndsDone() throws Exception {
    page("#/swarms/" + SWARM, "page-swarm");
    browser.js("window.__vrPageMark = 'same page'");
    WebElement size = browser.test("plan-size");
    assertThat(size.getDomProperty("value")).isEqualTo("1");
    size.clear();
    size.sendKeys("2");
    browser.test("plan-button").click();
    // the API redacts env values, so a change to this swarm (it has env) needs its file
    assertThat(browser.awaitText(Browser.byTest("plan-error"), t -> !t.isEmpty(), "the plan error"))
        .contains("paste its swarm file");
    browser.test("plan-file").sendKeys(swarmJson(2));
    browser.test("plan-button").click();
    String diff = browser.awaitText(Browser.byTest("plan-diff"), t -> t.contains("Plan:"), "the plan diff");
    assertThat(diff).contains("+   start h1:").contains("1 to start");
    browser.screenshot("swarm-plan");
    browser.test("dispatch-button").click();
    WebElement state = browser.test("run-state");
    browser.await("the run to end done", () -> Optional.ofNullable(state.getDomAttribute("data-state"))
        .filter(s -> s.equals("done") || s.equals("failed")));
    assertThat(state.getDomAttribute("data-state")).as(browser.test("run-progress").getText()).isEqualTo("done");
    // states came one by one over SSE into the same page: no reload happened
    assertThat(state.getDomAttribute("data-states")).contains("pending").contains("deploying").endsWith("done");
    assertThat(browser.test("run-progress").getText()).contains("started").contains("done:");
    assertThat(browser.js("return window.__vrPageMark")).isEqualTo("same page");
    browser.await("two running procs on the swarm page", () -> Optional.of(browser.driver()
        .findElements(By.cssSelector("[data-test=swarm-procs] [data-test=proc-row][data-state=RUNNING]")))
        .filter(l -> l.size() == 2));
    browser.screenshot("swarm");
  }

  @Test
  @Order(4)
  void theSwarmsRunsAndRunPagesShowTheDispatch() throws Exception {
    page("#/swarms", "page-swarms");
    WebElement row = browser.element(By.cssSelector("[data-test=swarm-row][data-name=\"" + SWARM + "\"]"));
    assertThat(row.findElement(Browser.byTest("swarm-health")).getText()).matches("([12])/\\1 running");
    assertThat(row.getText()).contains("all at once");
    browser.screenshot("swarms");
    page("#/runs", "page-runs");
    List<WebElement> runs = browser.driver().findElements(Browser.byTest("run-row"));
    assertThat(runs).isNotEmpty().allSatisfy(r -> assertThat(r.getDomAttribute("data-state")).isEqualTo("done"));
    browser.screenshot("runs");
    String newest = runs.get(0).getDomAttribute("data-run");
    page("#/runs/" + newest, "page-run");
    assertThat(browser.test("run-state").getDomAttribute("data-state")).isEqualTo("done");
    assertThat(browser.driver().findElements(Browser.byTest("run-step"))).isNotEmpty();
    assertThat(browser.driver().findElements(Browser.byTest("run-transition"))).hasSizeGreaterThan(2);
    browser.awaitText(Browser.byTest("run-progress"), t -> t.contains("done:"), "the run's replayed events");
    browser.screenshot("run");
  }

  @Test
  @Order(5)
  void theProcsPageLabelsForeignAndLegacyProgramsAndOffersThemNoButtons() {
    page("#/procs", "page-procs");
    for (String[] other : new String[][] {{FOREIGN, "foreign"}, {LEGACY, "legacy"}}) {
      WebElement row = browser.element(By.cssSelector("[data-test=proc-row][data-name=\"" + other[0] + "\"]"));
      assertThat(row.getDomAttribute("data-kind")).isEqualTo(other[1]);
      assertThat(row.findElement(Browser.byTest("proc-kind")).getText()).isEqualTo(other[1]);
      assertThat(row.findElements(By.tagName("button"))).isEmpty();
    }
    List<WebElement> ours = browser.driver().findElements(By.cssSelector("[data-test=proc-row][data-kind=ours]"));
    assertThat(ours).isNotEmpty().allSatisfy(r -> assertThat(r.findElements(Browser.byTest("proc-stop"))).hasSize(1));
    assertThat(browser.test("host-unreachable").getText()).startsWith("h2:");
    browser.screenshot("procs");
  }

  @Test
  @Order(6)
  void theEventsPageListsTheRetainedEventsAndStaysLive() throws Exception {
    page("#/events", "page-events");
    browser.await("the dispatches' events", () -> Optional.of(browser.driver()
        .findElements(By.cssSelector("[data-test=event-row][data-type=run_done]"))).filter(l -> l.size() == 2));
    assertThat(browser.test("sse-status").getDomAttribute("data-state")).isEqualTo("live");
    browser.screenshot("events");
  }

  @Test
  @Order(7)
  void aProcKilledByHandShowsFatalThenTheReconcilerReplacesItLive() throws Exception {
    // paused while the proc is killed, so that what it repairs is the proc Supervisor gave up on, not a
    // transient EXITED between two kills
    reconciler.pause();
    reconciler.runOnce(); // waits for a pass in flight; paused, it does nothing
    page("#/swarms/" + SWARM, "page-swarm");
    String victim = browser.await("a running proc", () -> browser.driver()
        .findElements(By.cssSelector("[data-test=swarm-procs] [data-test=proc-row][data-state=RUNNING]")).stream()
        .findFirst()).getDomAttribute("data-name");
    int kills = KillUntilFatal.kill(served.h1Supervisor(), victim, Duration.ofSeconds(120));
    assertThat(kills).as("SIGKILLs of %s until Supervisor gave up", victim).isPositive();
    // another route, so the browser renders fresh data (the same URL again would not navigate)
    page("#/procs", "page-procs");
    // the state as Supervisor says it, in the row's data-state and its badge's text
    browser.await(victim + " shown FATAL", () -> browser.driver().findElements(By.cssSelector(
        "[data-test=proc-row][data-state=FATAL]")).stream()
        .filter(e -> victim.equals(e.getDomAttribute("data-name"))
            && "FATAL".equals(e.findElement(Browser.byTest("proc-state")).getText())).findFirst());
    browser.screenshot("procs-fatal");
    page("#/swarms/" + SWARM, "page-swarm");
    browser.await(victim + " shown FATAL on the swarm page", () -> browser.driver().findElements(By.cssSelector(
        "[data-test=swarm-procs] [data-test=proc-row][data-state=FATAL]")).stream()
        .filter(e -> victim.equals(e.getDomAttribute("data-name"))).findFirst());
    browser.js("window.__vrPageMark = 'before the repair'");
    reconciler.resume();
    reconciler.nudge("DashboardIT killed " + victim + " until FATAL");
    browser.await("the FATAL proc replaced: two running procs, none of them " + victim, () -> Optional.of(
        browser.driver().findElements(By.cssSelector("[data-test=swarm-procs] [data-test=proc-row]")))
        .filter(rows -> rows.size() == 2 && rows.stream().allMatch(e -> "RUNNING".equals(e.getDomAttribute("data-state"))
            && !victim.equals(e.getDomAttribute("data-name")))));
    assertThat(browser.js("return window.__vrPageMark")).as("the page updated itself over SSE").isEqualTo("before the repair");
  }

  @Test
  @Order(8)
  void logoutShowsTheLoginAgain() {
    browser.test("logout").click();
    browser.test("page-login");
    browser.open(url("#/swarms"));
    browser.test("login-token");
    assertThat(browser.driver().findElements(Browser.byTest("page-swarms"))).isEmpty();
  }

  static String swarmJson(int size) {
    return ServedFleet.swarmJson(size);
  }
}
