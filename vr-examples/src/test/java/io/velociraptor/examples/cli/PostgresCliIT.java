package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.testkit.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real jar with {@code store: {type: postgres}}: dispatch, swarms, history and events work
 * unchanged against a private PostgreSQL (the jar carries the driver), the state and the event
 * log are in the database (no file store, no events.jsonl in store_dir), and {@code vr events
 * --follow} in another process prints a dispatch's events as it runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresCliIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String SWARM = "java_hello-c1-web";
  static Path dir;
  static PostgresCluster pg;
  static PrivateSupervisords supervisors;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-pg-cli-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    pg = PostgresCluster.start();
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(10);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build()));
    Host h1 = supervisors.hosts().get(0);
    Files.writeString(dir.resolve("pg.pass"), pg.password() + "\n");
    // the postgres:// form, the user in it
    String url = "postgres://" + pg.user() + "@127.0.0.1:" + pg.port() + "/" + pg.database();
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: local\n"
        + "store:\n  type: postgres\n  url: " + url + "\n  password_file: pg.pass\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + h1.supervisorPort()
        + "\n    port_range: " + base + "-" + (base + 10) + "\n    include_dir: " + dir.resolve("sup/h1/conf.d") + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/java-hello") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n");
    Files.writeString(dir.resolve("swarm.yaml"), "app: java_hello\nversion: '1'\nconfig: c1\nproc: web\nsquad: s\nsize: 1\n"
        + "env:\n  PATH: " + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin\n");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (supervisors != null) {
        supervisors.close();
      }
    } finally {
      try {
        if (pg != null) {
          pg.close();
        }
      } finally {
        FileTrees.deleteTree(dir);
      }
    }
  }

  static VrJar.Result vr(String... args) throws Exception {
    return VrJar.run(dir, args);
  }

  static Map<String, Object> map(String json) throws Exception {
    return VrJson.json().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  static String runIdOf(VrJar.Result r) {
    return r.out().lines().filter(l -> l.startsWith("run ") && l.contains(": done")).findFirst()
        .orElseThrow(() -> new AssertionError("no done run in: " + r)).split(" ")[1].replace(":", "");
  }

  @Test
  @Order(1)
  void dispatchSwarmsAndHistoryWorkOnTheDatabase() throws Exception {
    VrJar.Result r = vr("dispatch", "swarm.yaml");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("uptests passed for").contains(": done (1 to start");
    String runId = runIdOf(r);
    VrJar.Result swarms = vr("swarms");
    assertThat(swarms.exit()).as(swarms.toString()).isZero();
    assertThat(swarms.out()).contains(SWARM).contains(runId + " done");
    VrJar.Result history = vr("--json", "swarm", "history", SWARM);
    assertThat(history.out()).contains("\"id\" : \"" + runId + "\"");
    VrJar.Result plan = vr("plan", "swarm.yaml");
    assertThat(plan.exit()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("No changes.");
    // the state is in the database: store_dir holds only builds and artifacts, and no event log
    assertThat(dir.resolve("local/swarms")).doesNotExist();
    assertThat(dir.resolve("local/events.jsonl")).doesNotExist();
    VrJar.Result events = vr("--json", "events");
    assertThat(events.exit()).as(events.toString()).isZero();
    List<String> lines = events.out().lines().toList();
    assertThat(lines).anyMatch(l -> l.contains("\"type\":\"run_done\"") && l.contains(runId));
    for (String line : lines) {
      assertThat(map(line)).as(line).containsKeys("type", "run_id", "at");
    }
    assertThat(vr("events").out()).contains("started for swarm " + SWARM);
  }

  @Test
  @Order(2)
  void eventsFollowInAnotherProcessPrintsADispatchAsItRuns() throws Exception {
    Files.writeString(dir.resolve("two.yaml"), Files.readString(dir.resolve("swarm.yaml")).replace("size: 1", "size: 2"));
    try (VrJar.Running json = VrJar.start(dir, "--json", "events", "--follow")) {
      // the log already holds the first dispatch: the follower has read it once that shows
      json.awaitLine(l -> l.contains("\"type\":\"run_done\""), Duration.ofSeconds(60));
      VrJar.Result r = vr("dispatch", "two.yaml");
      assertThat(r.exit()).as(r.toString()).isZero();
      String runId = runIdOf(r);
      String done = json.awaitLine(l -> l.contains("\"type\":\"run_done\"") && l.contains(runId), Duration.ofSeconds(60));
      assertThat(map(done)).containsEntry("run_id", runId);
      List<String> printed = json.stop(Duration.ofSeconds(20)).lines().toList();
      assertThat(printed).anyMatch(l -> l.contains("\"proc_started\"") && l.contains(runId));
      assertThat(printed.stream().filter(l -> l.contains("\"run_started\"") && l.contains(runId))).hasSize(1);
      assertThat(json.err()).isEmpty();
    }
    VrJar.Result bounded = vr("events", "--follow", "--follow-seconds", "1");
    assertThat(bounded.exit()).as(bounded.toString()).isZero();
    assertThat(bounded.out()).contains(SWARM);
  }

  @Test
  @Order(3)
  void swarmDeleteRetiresTheProcsAndRemovesTheSwarmFromTheDatabase() throws Exception {
    VrJar.Result r = vr("swarm", "delete", SWARM);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(vr("swarms").out()).doesNotContain(SWARM);
  }
}
