package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The API of {@code vr serve} over real HTTP against one private supervisord (host h1) and a host
 * whose supervisord is down (h2), one server for the class ({@link ServedFleet}): auth, a dispatch
 * from PUT to done, plan, the error statuses, proc logs, delete, the OpenAPI document against the
 * real routes, a build, and a canary rollout promoted, reverted and rolled back over HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerApiIT {
  static final String READ = "read-token-0123456789";
  static final String DEPLOY = "deploy-token-0123456789";
  static final String ADMIN = "admin-token-0123456789";
  static final String SWARM = ServedFleet.SWARM;
  static ServedFleet served;
  static VrServer server;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    served = ServedFleet.builder("vr-serve-it-").deadHost()
        .token("reader", READ, "read").token("ci", DEPLOY, "deploy").token("ops", ADMIN, "admin").start();
    server = served.server();
  }

  @AfterAll
  static void stop() throws Exception {
    if (served != null) {
      served.close();
    }
  }

  static String swarmJson(int size) {
    return ServedFleet.swarmJson(size);
  }

  static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    return served.send(method, path, token, body);
  }

  static Map<String, Object> map(HttpResponse<String> r) throws Exception {
    return ServedFleet.map(r);
  }

  static List<Object> list(HttpResponse<String> r) throws Exception {
    return ServedFleet.list(r);
  }

  /** Polls the run until it is finished, for at most three minutes (its build is part of it). */
  static Map<String, Object> awaitFinished(String runId) throws Exception {
    return served.awaitFinished(runId, READ);
  }

  @Test
  @Order(1)
  void healthAnswersWithoutAToken() throws Exception {
    HttpResponse<String> r = send("GET", "/api/health", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(map(r)).containsEntry("status", "ok").containsEntry("store", "ok").containsKey("uptime_seconds");
  }

  @Test
  @Order(2)
  void aRequestWithoutAValidTokenIs401AndTheTokenIsNeitherEchoedNorLogged() throws Exception {
    assertThat(send("GET", "/api/swarms", null, null).statusCode()).isEqualTo(401);
    String bad = "not-a-token-" + Long.toHexString(System.nanoTime());
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
    HttpResponse<String> r;
    System.setErr(tee);
    System.setOut(tee);
    try {
      r = send("GET", "/api/swarms", bad, null);
      send("POST", "/api/login", null, "{\"token\": \"" + bad + "\"}");
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(map(r)).containsEntry("error", "a valid API token is required").containsEntry("status", 401);
    assertThat(r.body()).doesNotContain(bad);
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain(bad)
        .doesNotContain(ServeSettings.ApiToken.hash(bad));
  }

  @Test
  @Order(3)
  void aReadTokenOnAMutatingRouteIs403NamingTheRoleNeeded() throws Exception {
    HttpResponse<String> r = send("PUT", "/api/swarms/" + SWARM, READ, swarmJson(1));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat((String) map(r).get("error")).contains("deploy role");
    assertThat(send("POST", "/api/procs/h1/x/stop", DEPLOY, null).statusCode()).isEqualTo(403);
  }

  @Test
  @Order(4)
  void aBadSwarmFileIs400NamingTheField() throws Exception {
    HttpResponse<String> r = send("PUT", "/api/swarms/" + SWARM, DEPLOY, swarmJson(-1));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(map(r)).containsEntry("exit_code", 2).containsEntry("status", 400);
    assertThat((String) map(r).get("error")).contains("size").contains("-1");
  }

  @Test
  @Order(5)
  void putAnswers202WithTheRunWhichReachesDoneAndItsProcIsListed() throws Exception {
    HttpResponse<String> r = send("PUT", "/api/swarms/" + SWARM, DEPLOY, swarmJson(1));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String run = (String) map(r).get("run");
    assertThat(run).isNotBlank();
    assertThat(map(r)).containsEntry("swarm", SWARM);
    assertThat(awaitFinished(run)).containsEntry("state", "done");
    Map<String, Object> procs = map(send("GET", "/api/procs?swarm=" + SWARM, READ, null));
    assertThat((List<?>) procs.get("procs")).singleElement()
        .satisfies(p -> assertThat(((Map<?, ?>) p).get("state")).isEqualTo("RUNNING"));
    assertThat(list(send("GET", "/api/swarms", READ, null))).hasSize(1);
    assertThat(map(send("GET", "/api/swarms/" + SWARM, READ, null))).containsEntry("size", 1);
    assertThat(list(send("GET", "/api/runs", READ, null))).hasSize(1);
  }

  @Test
  @Order(6)
  void planOfTheStoredSwarmIsANoopAndOfALargerOneStartsOne() throws Exception {
    HttpResponse<String> same = send("POST", "/api/swarms/" + SWARM + "/plan", READ, null);
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
    assertThat((List<?>) map(same).get("starts")).isEmpty();
    HttpResponse<String> bigger = send("POST", "/api/swarms/" + SWARM + "/plan", READ, swarmJson(2));
    assertThat(bigger.statusCode()).as(bigger.body()).isEqualTo(200);
    assertThat((List<?>) map(bigger).get("starts")).hasSize(1);
  }

  @Test
  @Order(7)
  void anUnknownSwarmRunOrHostIs404() throws Exception {
    HttpResponse<String> r = send("GET", "/api/swarms/nope", READ, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat((String) map(r).get("error")).contains("\"nope\"").contains("is not a stored swarm");
    assertThat(send("GET", "/api/runs/nope-000001", READ, null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/procs?host=h9", READ, null).statusCode()).isEqualTo(404);
  }

  @Test
  @Order(8)
  void aSwarmWithALiveRunIs409NamingThatRun() throws Exception {
    SwarmId id = SwarmId.of((String) map(send("GET", "/api/swarms/" + SWARM, READ, null)).get("id"));
    try (FileStore other = FileStore.open(served.dir().resolve("store"))) {
      // another dispatcher (this test's process) holds the swarm: the server's dispatcher must refuse
      BeginRun begun = other.tryBeginRun(id, "test-trace", RunOwners.current());
      String holder = ((BeginRun.Started) begun).run().id();
      try {
        for (String[] call : List.of(new String[] {"POST", "/restart"}, new String[] {"DELETE", ""},
            new String[] {"PUT", ""})) {
          HttpResponse<String> r = send(call[0], "/api/swarms/" + SWARM + call[1], DEPLOY,
              call[0].equals("PUT") ? swarmJson(1) : null);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
          assertThat(map(r)).containsEntry("run", holder).containsEntry("exit_code", 3);
          assertThat((String) map(r).get("error")).contains(holder);
        }
      } finally {
        other.transition(holder, RunState.FAILED, "the test let the swarm go");
      }
    }
  }

  @Test
  @Order(9)
  void aHostWhoseSupervisordIsDownIs503NamingTheHost() throws Exception {
    HttpResponse<String> r = send("GET", "/api/procs/h2/anything/logs", READ, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat((String) map(r).get("error")).contains("h2");
    Map<String, Object> procs = map(send("GET", "/api/procs", READ, null));
    assertThat((List<?>) procs.get("hosts")).anySatisfy(h -> assertThat(((Map<?, ?>) h).get("host") + " "
        + ((Map<?, ?>) h).get("reachable")).isEqualTo("h2 false"));
  }

  @Test
  @Order(10)
  void procLogsAreTextAndAForeignProcIsNeverTouched() throws Exception {
    Map<String, Object> procs = map(send("GET", "/api/procs?host=h1", READ, null));
    String name = (String) ((Map<?, ?>) ((List<?>) procs.get("procs")).get(0)).get("name");
    HttpResponse<String> logs = send("GET", "/api/procs/h1/" + name + "/logs?bytes=4096", READ, null);
    assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
    assertThat(logs.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    HttpResponse<String> foreign = send("POST", "/api/procs/h1/cron/stop", ADMIN, null);
    assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(400);
    assertThat((String) map(foreign).get("error")).contains("never touched");
    assertThat(send("GET", "/api/procs/h1/nope-1-c1-web-000000000000-1/logs", READ, null).statusCode())
        .isIn(400, 404);
  }

  @Test
  @Order(11)
  void loginSetsAStrictHttpOnlySessionCookieThatLogoutEnds() throws Exception {
    HttpResponse<String> login = send("POST", "/api/login", null, "{\"token\": \"" + READ + "\"}");
    assertThat(login.statusCode()).isEqualTo(204);
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).startsWith("vr_session=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
    // plain HTTP: a Secure cookie would never be sent back (ServerTlsIT checks the flag under TLS)
    assertThat(ServerTlsIT.attributes(cookie)).contains("httponly", "samesite=strict").doesNotContain("secure");
    String session = cookie.substring(0, cookie.indexOf(';'));
    HttpRequest.Builder get = HttpRequest.newBuilder(server.url().resolve("/api/swarms")).header("Cookie", session);
    assertThat(HTTP.send(get.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    HttpResponse<String> logout = HTTP.send(HttpRequest.newBuilder(server.url().resolve("/api/logout"))
        .header("Cookie", session).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(logout.statusCode()).isEqualTo(204);
    assertThat(HTTP.send(get.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(12)
  void deleteWithWaitRetiresTheSwarmsProcs() throws Exception {
    HttpResponse<String> r = send("DELETE", "/api/swarms/" + SWARM + "?wait=true", DEPLOY, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(map(r)).containsEntry("state", "done");
    Map<String, Object> procs = map(send("GET", "/api/procs?host=h1", READ, null));
    assertThat((List<?>) procs.get("procs")).isEmpty();
    assertThat(list(send("GET", "/api/swarms", READ, null))).isEmpty();
  }

  @Test
  @Order(13)
  void theOpenApiDocumentListsExactlyTheRoutesJavalinRegistered() throws Exception {
    HttpResponse<String> r = send("GET", "/api/openapi.json", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> doc = map(r);
    assertThat(doc).containsEntry("openapi", "3.1.0");
    Set<String> documented = new TreeSet<>();
    ((Map<?, ?>) doc.get("paths")).forEach((path, ops) -> ((Map<?, ?>) ops).keySet()
        .forEach(m -> documented.add(((String) m).toUpperCase(java.util.Locale.ROOT) + " " + path)));
    assertThat(documented).isEqualTo(server.registeredRoutes()).contains("PUT /api/swarms/{swarm}", "GET /api/health");
  }

  @Test
  @Order(14)
  void aBuildAnswers202WithItsLogWhichStreamsTheCompileOutputToItsEnd() throws Exception {
    assertThat(send("POST", "/api/builds", READ, "{\"app\": \"java_hello\", \"version\": \"2\"}").statusCode())
        .isEqualTo(403);
    HttpResponse<String> unknownField = send("POST", "/api/builds", DEPLOY,
        "{\"app\": \"java_hello\", \"version\": \"2\", \"colour\": \"red\"}");
    assertThat(unknownField.statusCode()).as(unknownField.body()).isEqualTo(400);
    assertThat((String) map(unknownField).get("error")).contains("colour");
    assertThat(send("POST", "/api/builds", DEPLOY, "{\"app\": \"nope\", \"version\": \"2\"}").statusCode())
        .isEqualTo(404);

    HttpResponse<String> r = send("POST", "/api/builds", DEPLOY, "{\"app\": \"java_hello\", \"version\": \"2\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(map(r)).containsEntry("log", "/api/builds/java_hello/2/log");
    // the response ends when the build does: its last line says how it ended
    HttpResponse<String> log = send("GET", "/api/builds/java_hello/2/log", READ, null);
    assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
    assertThat(log.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(log.body()).contains("sources").contains("wrote Procfile line");
    assertThat(log.body().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("build java_hello 2: success");
    assertThat(list(send("GET", "/api/builds", READ, null))).anySatisfy(b ->
        assertThat(((Map<?, ?>) b).get("version")).isEqualTo("2"));
    assertThat(send("GET", "/api/builds/java_hello/9/log", READ, null).statusCode()).isEqualTo(404);
  }

  static final String CANARY = "java_hello-c2-web";

  /**
   * The canary swarm at {@code version}: two procs, a canary of one, so a dispatch pauses after one new proc. The
   * versions are one source, so the env says the version: else they would be one release.
   */
  static String canaryJson(String version) {
    return ServedFleet.swarmJson("c2", 2, version, ", \"RELEASE_OF\": \"" + version + "\"", ", \"update\": {\"canary\": 1}");
  }

  /** @return the versions of the canary swarm's running procs, sorted (a proc's name is app-version-config-...) */
  static List<String> versions() throws Exception {
    List<?> procs = (List<?>) map(send("GET", "/api/procs?swarm=" + CANARY, READ, null)).get("procs");
    return procs.stream().map(p -> (Map<?, ?>) p).peek(p -> assertThat(p.get("state")).as(p.toString()).isEqualTo("RUNNING"))
        .map(p -> ((String) p.get("name")).split("-")[1]).sorted().toList();
  }

  /** PUTs the canary swarm at {@code version} and waits until its run pauses in canary; @return the run's id */
  static String putUntilPaused(String version) throws Exception {
    HttpResponse<String> r = send("PUT", "/api/swarms/" + CANARY, DEPLOY, canaryJson(version));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String run = (String) map(r).get("run");
    assertThat(awaitFinished(run)).as("run %s of version %s", run, version).containsEntry("state", "canary");
    return run;
  }

  /** POSTs {@code action} (promote, revert, rollback) with {@code ?wait=true}; @return the finished run */
  static Map<String, Object> act(String action) throws Exception {
    HttpResponse<String> r = send("POST", "/api/swarms/" + CANARY + "/" + action + "?wait=true", DEPLOY, null);
    assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(200);
    return map(r);
  }

  @Test
  @Order(15)
  void aPutUnderACanaryPolicyPausesInCanaryHoldsTheSwarmAndPromoteFinishesTheSameRun() throws Exception {
    HttpResponse<String> early = send("POST", "/api/swarms/" + CANARY + "/promote", DEPLOY, null);
    assertThat(early.statusCode()).as(early.body()).isEqualTo(404);
    String run = putUntilPaused("1");
    assertThat(versions()).containsExactly("1");
    // the paused run holds the swarm: another dispatch is refused naming it
    HttpResponse<String> busy = send("PUT", "/api/swarms/" + CANARY, DEPLOY, canaryJson("1"));
    assertThat(busy.statusCode()).as(busy.body()).isEqualTo(409);
    assertThat(map(busy)).containsEntry("run", run);
    assertThat((String) map(busy).get("error")).contains(run).contains("paused");
    assertThat(send("POST", "/api/swarms/" + CANARY + "/promote", READ, null).statusCode()).isEqualTo(403);

    Map<String, Object> done = act("promote");
    assertThat(done).containsEntry("id", run).containsEntry("state", "done");
    assertThat(versions()).containsExactly("1", "1");
    assertThat(map(send("GET", "/api/swarms/" + CANARY, READ, null))).containsEntry("version", "1");
    // nothing is paused any more: a second promote is refused as bad input
    HttpResponse<String> again = send("POST", "/api/swarms/" + CANARY + "/promote", DEPLOY, null);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(400);
    assertThat(map(again)).containsEntry("exit_code", 2);
  }

  @Test
  @Order(16)
  void aPausedRolloutOfANewVersionRevertedRetiresItsCanaryAndKeepsTheOldRelease() throws Exception {
    String run = putUntilPaused("2");
    assertThat(versions()).containsExactly("1", "1", "2");
    Map<String, Object> reverted = act("revert");
    assertThat(reverted).containsEntry("id", run).containsEntry("state", "reverted");
    assertThat(versions()).containsExactly("1", "1");
    assertThat(map(send("GET", "/api/swarms/" + CANARY, READ, null))).containsEntry("version", "1");
  }

  @Test
  @Order(17)
  void rollbackAfterAPromotedRolloutDispatchesThePreviousReleaseAgain() throws Exception {
    putUntilPaused("2");
    assertThat(act("promote")).containsEntry("state", "done");
    assertThat(versions()).containsExactly("2", "2");
    List<?> releases = list(send("GET", "/api/swarms/" + CANARY + "/releases", READ, null));
    String v1 = releases.stream().map(x -> (Map<?, ?>) x).filter(x -> "1".equals(x.get("version"))
        && Boolean.TRUE.equals(x.get("succeeded"))).map(x -> (String) x.get("release")).findFirst().orElseThrow();

    HttpResponse<String> r = send("POST", "/api/swarms/" + CANARY + "/rollback", DEPLOY, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String rollback = (String) map(r).get("run");
    // the rollback runs under the swarm's policy too: it pauses after its canary
    Map<String, Object> paused = awaitFinished(rollback);
    assertThat(paused).containsEntry("state", "canary");
    assertThat(versions()).containsExactly("1", "2", "2");
    assertThat(act("promote")).containsEntry("id", rollback).containsEntry("state", "done");
    assertThat(versions()).containsExactly("1", "1");
    Map<String, Object> run = map(send("GET", "/api/runs/" + rollback, READ, null));
    assertThat(run).containsEntry("release", v1);
    assertThat(String.valueOf(run.get("history"))).contains("rollback to release");
    Map<?, ?> newest = (Map<?, ?>) list(send("GET", "/api/swarms/" + CANARY + "/releases", READ, null)).get(0);
    assertThat(newest.get("version") + " " + newest.get("current") + " " + newest.get("run_id")).isEqualTo("1 true " + rollback);
  }
}
