package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.PrivateSupervisords;
import io.velociraptor.examples.cli.VrConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The API of {@code vr serve} over real HTTP against one private supervisord (host h1) and a host
 * whose supervisord is down (h2), one server for the class: auth, a dispatch from PUT to done,
 * plan, the error statuses, proc logs, delete, and the OpenAPI document against the real routes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerApiIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String READ = "read-token-0123456789";
  static final String DEPLOY = "deploy-token-0123456789";
  static final String ADMIN = "admin-token-0123456789";
  static final String SWARM = "java_hello-c1-web";
  static Path dir;
  static PrivateSupervisords supervisors;
  static Fleet fleet;
  static VrServer server;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-serve-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(20);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build()));
    Host h1 = supervisors.hosts().get(0);
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n  install: false\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n"
        + "  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + h1.supervisorPort() + "\n    port_range: "
        + base + "-" + (base + 10) + "\n    include_dir: " + dir.resolve("sup/h1/conf.d") + "\n"
        + "  - name: h2\n    address: 127.0.0.1\n    supervisor_port: " + dead + "\n    port_range: "
        + (base + 10) + "-" + (base + 20) + "\n    include_dir: " + dir.resolve("sup/h2/conf.d") + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n  - name: gone\n    hosts: [h2]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/java-hello") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n"
        + token("reader", READ, "read") + token("ci", DEPLOY, "deploy") + token("ops", ADMIN, "admin"));
    // the runner's classpath is the real jar (the package phase made it), readable by the procs' user
    try (var local = io.velociraptor.core.remote.LocalCommandRunner.builder().root(dir.resolve("apps").toString()).build()) {
      io.velociraptor.lxc.RunnerInstall.builder().root(dir.resolve("apps")).launcher(dir.resolve("apps/bin/vr-runner"))
          .classpath(List.of(Path.of("target/vr.jar").toAbsolutePath())).build().install(local);
    }
    VrConfig config = VrConfig.load(dir.resolve("vr.yaml"));
    fleet = Fleet.of(config);
    server = VrServer.builder().fleet(fleet).settings(config.serve()).start();
  }

  static String token(String name, String token, String role) {
    return "    - name: " + name + "\n      sha256: " + ServeSettings.ApiToken.hash(token) + "\n      role: " + role + "\n";
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
      if (fleet != null) {
        fleet.close();
      }
    } finally {
      try {
        if (supervisors != null) {
          supervisors.close();
        }
      } finally {
        FileTrees.deleteTree(dir);
      }
    }
  }

  static String swarmJson(int size) {
    return "{\"app\": \"java_hello\", \"version\": \"1\", \"config\": \"c1\", \"proc\": \"web\", \"squad\": \"s\","
        + " \"size\": " + size + ", \"env\": {\"PATH\": \"" + Path.of(System.getProperty("java.home"), "bin")
        + ":/usr/bin:/bin\"}}";
  }

  static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(120))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, Object> map(HttpResponse<String> r) throws Exception {
    return VrJson.json().readValue(r.body(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  static List<Object> list(HttpResponse<String> r) throws Exception {
    return VrJson.json().readValue(r.body(), new com.fasterxml.jackson.core.type.TypeReference<List<Object>>() {});
  }

  /** Polls the run until it is finished, for at most three minutes (its build is part of it). */
  static Map<String, Object> awaitFinished(String runId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      HttpResponse<String> r = send("GET", "/api/runs/" + runId, READ, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      Map<String, Object> run = map(r);
      if (RunState.valueOf(((String) run.get("state")).toUpperCase(java.util.Locale.ROOT)).isTerminal()) {
        return run;
      }
      assertThat(System.nanoTime()).as("run %s still %s", runId, run.get("state")).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
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
    try (FileStore other = FileStore.open(dir.resolve("store"))) {
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
}
