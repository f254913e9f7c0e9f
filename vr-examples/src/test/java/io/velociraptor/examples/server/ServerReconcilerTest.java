package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.VrConfig;
import io.velociraptor.testkit.TestClock;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server over a started {@link Reconciler} (as {@code vr serve} wires it), on a fleet whose
 * one host has no supervisord: {@code /api/reconciler} and {@code /api/health} show its state, a
 * Supervisor event posted to {@code /api/supervisor-events} makes it run a pass, and
 * {@code /api/uptests} answers. The reconciler's interval is an hour and its clock a test clock,
 * so a pass at the advanced instant can only be the nudge's.
 */
class ServerReconcilerTest {
  static final String READ = "read-token-for-reconciler-test";
  static final String DEPLOY = "deploy-token-for-reconciler-test";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final TestClock CLOCK = TestClock.at(T0);
  static Path dir;
  static Fleet fleet;
  static Reconciler reconciler;
  static VrServer server;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-serve-reconciler-test-");
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + dead + "\n    port_range: 20000-20010\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n"
        + "    - name: reader\n      sha256: " + ServeSettings.ApiToken.hash(READ) + "\n      role: read\n"
        + "    - name: ci\n      sha256: " + ServeSettings.ApiToken.hash(DEPLOY) + "\n      role: deploy\n");
    VrConfig config = VrConfig.load(dir.resolve("vr.yaml"));
    fleet = Fleet.of(config);
    reconciler = Reconciler.builder().dispatcher(fleet.dispatcher()).clock(CLOCK).interval(Duration.ofHours(1))
        .build();
    server = VrServer.builder().fleet(fleet).settings(config.serve()).reconciler(ReconcilerView.of(reconciler))
        .start();
    reconciler.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
      if (reconciler != null) {
        reconciler.close();
      }
      if (fleet != null) {
        fleet.close();
      }
    } finally {
      FileTrees.deleteTree(dir);
    }
  }

  static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Object json(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
    return VrJson.json().readValue(r.body(), Object.class);
  }

  static Object parse(HttpResponse<String> r) throws Exception {
    return VrJson.json().readValue(r.body(), Object.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> status() throws Exception {
    return (Map<String, Object>) json(send("GET", "/api/reconciler", READ, null));
  }

  /** Polls {@code /api/reconciler} until its last pass is at {@code at}, for at most a minute. */
  static Map<String, Object> awaitPassAt(Instant at) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Map<String, Object> s = status();
      Object last = s.get("last_pass");
      if (last != null && Instant.parse((String) last).equals(at)) {
        return s;
      }
      assertThat(System.nanoTime()).as("no pass at %s; last pass %s", at, last).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Test
  void theReconcilersStateIsServedAndASupervisorEventMakesItRunAPass() throws Exception {
    Map<String, Object> first = awaitPassAt(T0);
    assertThat(first).containsEntry("running", true).containsEntry("paused", false);
    assertThat((List<?>) first.get("hosts_lost")).singleElement()
        .satisfies(h -> assertThat(((Map<?, ?>) h).get("host")).isEqualTo("h1"));
    @SuppressWarnings("unchecked")
    Map<String, Object> health = (Map<String, Object>) json(send("GET", "/api/health", null, null));
    assertThat(((Map<?, ?>) health.get("reconciler")).get("running")).isEqualTo(true);

    Instant t1 = CLOCK.advance(Duration.ofMinutes(1));
    assertThat(send("POST", "/api/supervisor-events", READ, "{\"event\": \"PROCESS_STATE_FATAL\"}").statusCode())
        .isEqualTo(403);
    HttpResponse<String> nudged = send("POST", "/api/supervisor-events", DEPLOY,
        "{\"event\": \"PROCESS_STATE_FATAL\", \"process_name\": \"java_hello-1-c1-web-000000000000-20000\"}");
    assertThat(nudged.statusCode()).as(nudged.body()).isEqualTo(202);
    assertThat(json(nudged)).isEqualTo(Map.of("nudged",
        "supervisor: PROCESS_STATE_FATAL java_hello-1-c1-web-000000000000-20000"));
    // the next scheduled pass is an hour away: a pass at t1 is the nudge's, and says so
    Map<String, Object> nudgedPass = awaitPassAt(t1);
    assertThat(nudgedPass).containsEntry("last_pass_reason",
        "nudged: supervisor: PROCESS_STATE_FATAL java_hello-1-c1-web-000000000000-20000");
  }

  @Test
  void theServerWritesTheEventListenerSectionForAHostWithItsOwnUrl() throws Exception {
    HttpResponse<String> r = send("GET", "/api/supervisor-events/listener?classpath=/srv/vr/vr.jar"
        + "&token_file=/etc/vr/t.token", READ, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body()).isEqualTo(io.velociraptor.supervisor.events.EventListenerSection.render("vr-events",
        "/usr/bin/java", "/srv/vr/vr.jar", server.url().resolve("/api/supervisor-events"), Path.of("/etc/vr/t.token"),
        java.util.Optional.empty(), java.util.Optional.empty()));
    HttpResponse<String> https = send("GET", "/api/supervisor-events/listener?url="
        + java.net.URLEncoder.encode("https://vr.example:7070/api/supervisor-events", "UTF-8") + "&ca_file=/etc/vr/ca.pem",
        READ, null);
    assertThat(https.body()).contains("'--post' 'https://vr.example:7070/api/supervisor-events'")
        .contains("'--ca-file' '/etc/vr/ca.pem'");
    HttpResponse<String> bad = send("GET", "/api/supervisor-events/listener?url=ftp://x/", READ, null);
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("url").contains("ftp://x/");
    assertThat(send("GET", "/api/supervisor-events/listener", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void aSwarmsOwnUptestIntervalIsInItsJson() throws Exception {
    io.velociraptor.core.model.Swarm s = io.velociraptor.core.model.Swarm.builder()
        .id(io.velociraptor.core.model.SwarmId.of("uptestiv")).app(io.velociraptor.core.model.AppName.of("java_hello"))
        .version(io.velociraptor.core.model.Version.of("1")).config(io.velociraptor.core.model.ConfigName.of("often"))
        .procType(io.velociraptor.core.model.ProcTypeName.of("web")).squad(io.velociraptor.core.model.SquadName.of("s"))
        .uptestIntervalSeconds(15).build();
    fleet.store().putSwarm(s);
    try {
      Map<?, ?> shown = (Map<?, ?>) json(send("GET", "/api/swarms/java_hello-often-web", READ, null));
      assertThat(shown.get("uptest_interval_seconds")).isEqualTo(15);
    } finally {
      fleet.store().deleteSwarm(s.id());
    }
  }

  @Test
  void aSupervisorEventWithoutAnEventNameIs400NamingTheField() throws Exception {
    HttpResponse<String> r = send("POST", "/api/supervisor-events", DEPLOY, "{\"process_name\": \"x\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("event");
  }

  @Test
  void uptestResultsAreServedAndAnUnknownSwarmIs404PointingAtTheApiDocs() throws Exception {
    assertThat(json(send("GET", "/api/uptests", READ, null))).isEqualTo(List.of());
    HttpResponse<String> unknown = send("GET", "/api/uptests?swarm=abcdefgh", READ, null);
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    assertThat((String) ((Map<?, ?>) parse(unknown)).get("error")).contains("\"abcdefgh\"");
    assertThat((String) ((Map<?, ?>) parse(unknown)).get("hint")).contains("docs/api.md").doesNotContain("--help");
  }
}
