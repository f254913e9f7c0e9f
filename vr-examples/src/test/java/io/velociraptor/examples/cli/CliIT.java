package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
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
 * Every command of the real jar, human and JSON, against two private supervisord instances
 * (hosts h1 and h2 of squad s), the plain runtime and a file store, in one story: build, plan,
 * dispatch, list, inspect, plan offline, act on one proc, delete.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static Path dir;
  static PrivateSupervisords supervisors;
  static String swarmName = "java_hello-c1-web";

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-cli-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(20);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build(),
        Host.builder().name(HostName.of("h2")).address("127.0.0.1").portRange(PortRange.of(base + 10, base + 20)).build()));
    StringBuilder hosts = new StringBuilder();
    for (Host h : supervisors.hosts()) {
      hosts.append("  - name: ").append(h.name()).append("\n    address: 127.0.0.1\n    supervisor_port: ")
          .append(h.supervisorPort()).append("\n    port_range: ").append(h.portRange().start()).append('-')
          .append(h.portRange().endExclusive()).append("\n    include_dir: ")
          .append(dir.resolve("sup").resolve(h.name().value()).resolve("conf.d")).append('\n');
    }
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n" + hosts
        + "squads:\n  - name: s\n    hosts: [h1, h2]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/java-hello") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n");
    Files.writeString(dir.resolve("swarm.yaml"), "app: java_hello\nversion: '1'\nconfig: c1\nproc: web\nsquad: s\nsize: 2\n"
        + "env:\n  PATH: " + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin\n");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (supervisors != null) {
        supervisors.close();
      }
    } finally {
      FileTrees.deleteTree(dir);
    }
  }

  static Map<String, Object> map(String json) throws Exception {
    return VrJson.json().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  /** @return the proc rows of {@code vr procs --json} (the object also lists each host's reachability) */
  @SuppressWarnings("unchecked")
  static List<Object> procRows(String json) throws Exception {
    Map<String, Object> m = map(json);
    assertThat((List<Map<String, Object>>) m.get("hosts")).allSatisfy(h -> assertThat(h).containsEntry("reachable", true));
    return (List<Object>) m.get("procs");
  }

  static List<Object> list(String json) throws Exception {
    return VrJson.json().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<List<Object>>() {});
  }

  /** Every line must be one JSON object. */
  static List<Map<String, Object>> jsonLines(String out) throws Exception {
    List<Map<String, Object>> maps = new java.util.ArrayList<>();
    for (String line : out.lines().toList()) {
      maps.add(map(line));
    }
    assertThat(maps).isNotEmpty();
    return maps;
  }

  static VrJar.Result vr(String... args) throws Exception {
    return VrJar.run(dir, args);
  }

  @Test
  @Order(1)
  void planningBeforeTheBuildExistsSaysTheBuildIsPending() throws Exception {
    VrJar.Result r = vr("plan", "swarm.yaml");
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("build of version 1 pending: a dispatch builds it first")
        .contains("+   start ").contains("-000000000000-");
    VrJar.Result json = vr("--json", "plan", "swarm.yaml");
    assertThat(((Map<?, ?>) map(json.out())).get("build_pending")).isEqualTo(true);
  }

  @Test
  @Order(2)
  void buildStreamsTheCompileOutputAndBuildsListsIt() throws Exception {
    VrJar.Result r = vr("build", "java_hello", "1");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("compiling 2 sources").contains("build java_hello 1: success");
    VrJar.Result list = vr("builds");
    assertThat(list.out()).contains("APP").contains("java_hello  1").contains("success");
    Map<String, Object> second = map(vr("--json", "build", "java_hello", "2").out());
    assertThat(second).containsEntry("app", "java_hello").containsEntry("version", "2").containsKey("sha256");
    VrJar.Result json = vr("builds", "--json");
    assertThat(list(json.out())).hasSize(2);
  }

  @Test
  @Order(3)
  void planShowsTheStartsAndExitsOneAndItsJsonIsThePlan() throws Exception {
    VrJar.Result r = vr("plan", "swarm.yaml");
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("+   start h1:").contains("+   start h2:").contains("Plan: 2 to start");
    VrJar.Result json = vr("--json", "plan", "swarm.yaml");
    assertThat(json.exit()).isEqualTo(1);
    Map<?, ?> plan = map(json.out());
    assertThat((List<?>) plan.get("starts")).hasSize(2);
  }

  @Test
  @Order(4)
  void dispatchShowsLiveProgressAndASummaryThenPlanIsANoop() throws Exception {
    VrJar.Result r = vr("dispatch", "swarm.yaml");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("starting java_hello-1-c1-").contains("uptests passed for")
        .contains("run ").contains(": done (2 to start");
    VrJar.Result again = vr("plan", "swarm.yaml");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).contains("No changes.");
  }

  @Test
  @Order(5)
  void swarmsSwarmShowAndHistoryListTheStoredSwarm() throws Exception {
    assertThat(vr("swarms").out()).contains(swarmName).contains("done");
    assertThat(list(vr("swarms", "--json").out())).hasSize(1);
    assertThat(vr("swarm", "show", swarmName).out()).containsPattern("proc_type: \"?web").contains("size: 2");
    assertThat(map(vr("swarm", "show", swarmName, "--json").out())).containsEntry("size", 2);
    VrJar.Result history = vr("swarm", "history", swarmName);
    assertThat(history.out()).contains("-000001").contains("done");
    assertThat(list(vr("swarm", "history", swarmName, "--json").out())).singleElement()
        .satisfies(run -> assertThat(((Map<?, ?>) run).get("state")).isEqualTo("done"));
    VrJar.Result missing = vr("swarm", "show", "nope");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("invalid swarm \"nope\": is not a stored swarm").contains("`vr swarm show --help`");
  }

  @Test
  @Order(6)
  void runsAndRunShowTellTheStepsOfTheDispatch() throws Exception {
    List<?> runs = list(vr("runs", "--json").out());
    assertThat(runs).hasSize(1);
    String id = (String) ((Map<?, ?>) runs.get(0)).get("id");
    assertThat(vr("runs").out()).contains(id);
    VrJar.Result show = vr("run", "show", id);
    assertThat(show.out()).contains("run " + id).contains("start").contains("uptest").contains("ok");
    assertThat(map(vr("run", "show", id, "--json").out())).containsEntry("state", "done");
  }

  @Test
  @Order(7)
  void procsAndPortsShowEveryProcIncludingAForeignOne() throws Exception {
    Path conf = dir.resolve("sup/h1/conf.d/cron.conf");
    Files.writeString(conf, "[program:cron]\ncommand=/bin/cat\nautostart=false\n");
    VrJar.Result procs = vr("procs");
    assertThat(procs.exit()).as(procs.toString()).isZero();
    assertThat(procs.out()).contains("HOST").contains("ours").contains("RUNNING");
    assertThat(procs.out().lines().filter(l -> l.contains("java_hello-1-c1-"))).hasSize(2);
    List<?> h1 = procRows(vr("procs", "--host", "h1", "--json").out());
    assertThat(h1).hasSize(1);
    List<?> bySwarm = procRows(vr("procs", "--swarm", swarmName, "--json").out());
    assertThat(bySwarm).hasSize(2);
    VrJar.Result ports = vr("ports");
    assertThat(ports.out()).contains("USED BY").contains("java_hello-1-c1-").contains("host h1: 9 of range");
    List<?> portRows = list(vr("ports", "--host", "h2", "--json").out());
    assertThat(portRows).hasSize(2);
  }

  @Test
  @Order(8)
  void aSnapshotPlansOfflineWithTheSameAnswers() throws Exception {
    VrJar.Result snap = vr("snapshot");
    assertThat(snap.exit()).isZero();
    FleetSnapshot parsed = VrJson.readJson(snap.out(), FleetSnapshot.class);
    assertThat(parsed.hosts()).hasSize(2);
    Files.writeString(dir.resolve("fleet.json"), snap.out());
    String hash = ((Map<?, ?>) map(vr("--json", "plan", "swarm.yaml").out())).get("release_hash").toString();
    VrJar.Result same = vr("plan", "--snapshot", "fleet.json", "--release-hash", hash, "swarm.yaml");
    assertThat(same.exit()).as(same.toString()).isZero();
    Files.writeString(dir.resolve("bigger.yaml"), Files.readString(dir.resolve("swarm.yaml")).replace("size: 2", "size: 3"));
    VrJar.Result bigger = vr("--json", "plan", "--snapshot", "fleet.json", "--release-hash", hash, "bigger.yaml");
    assertThat(bigger.exit()).as(bigger.toString()).isEqualTo(1);
    assertThat((List<?>) map(bigger.out()).get("starts")).hasSize(1);
  }

  @Test
  @Order(9)
  void procStopStartRestartLogsAndDeleteActOnOneProc() throws Exception {
    List<?> rows = procRows(vr("procs", "--host", "h1", "--swarm", swarmName, "--json").out());
    String name = (String) ((Map<?, ?>) rows.get(0)).get("name");
    assertThat(vr("proc", "stop", "h1", name).out()).contains("stopped " + name);
    assertThat(vr("procs", "--host", "h1").out()).contains("STOPPED");
    assertThat(vr("proc", "start", "h1", name).out()).contains("started " + name);
    assertThat(map(vr("proc", "restart", "h1", name, "--json").out()))
        .containsEntry("action", "restart");
    assertThat(vr("proc", "logs", "h1", name).out()).contains("listening on");
    VrJar.Result foreign = vr("proc", "delete", "h1", "cron");
    assertThat(foreign.exit()).isEqualTo(2);
    assertThat(foreign.err()).contains("vr never deletes foreign programs");
    assertThat(vr("proc", "delete", "h1", name).out()).contains("deleted " + name);
    assertThat(vr("procs", "--swarm", swarmName).out()).doesNotContain(name);
  }

  @Test
  @Order(10)
  void reconcileRestoresTheDeletedProcAndEventsShowsEveryRun() throws Exception {
    VrJar.Result r = vr("reconcile");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("1 to start");
    VrJar.Result again = vr("--json", "dispatch", "swarm.yaml");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(jsonLines(again.out())).extracting(m -> m.get("type")).contains("run_started", "planned", "run_done");
    assertThat(vr("dispatch", "--all").out()).contains("nothing to do");
    VrJar.Result events = vr("events");
    assertThat(events.out()).contains("run_started".isEmpty() ? "" : "started for swarm " + swarmName);
    List<String> json = vr("events", "--json").out().lines().toList();
    assertThat(json).anyMatch(l -> l.contains("\"type\":\"uptest_passed\""));
  }

  @Test
  @Order(11)
  void eventsFollowPrintsTheEventsOfADispatchFromAnotherProcessWhileItRuns() throws Exception {
    Files.writeString(dir.resolve("three.yaml"), Files.readString(dir.resolve("swarm.yaml")).replace("size: 2", "size: 3"));
    try (VrJar.Running json = VrJar.start(dir, "--json", "events", "--follow");
        VrJar.Running human = VrJar.start(dir, "events", "-f")) {
      // the log already holds the earlier runs: a first line says each follower has read it
      json.awaitLine(l -> l.contains("\"type\":\"run_started\""), Duration.ofSeconds(60));
      human.awaitLine(l -> l.contains("started for swarm " + swarmName), Duration.ofSeconds(60));
      VrJar.Result r = vr("dispatch", "three.yaml");
      assertThat(r.exit()).as(r.toString()).isZero();
      String runId = r.out().lines().filter(l -> l.startsWith("run ") && l.contains(": done")).findFirst().orElseThrow()
          .split(" ")[1].replace(":", "");
      String done = json.awaitLine(l -> l.contains("\"type\":\"run_done\"") && l.contains(runId), Duration.ofSeconds(30));
      assertThat(map(done)).containsEntry("run_id", runId);
      human.awaitLine(l -> l.contains(runId) && l.contains("done: "), Duration.ofSeconds(30));
      assertThat(json.process.isAlive()).isTrue();
      assertThat(human.process.isAlive()).isTrue();
      // every line the JSON follower printed is one JSON object, among them this run's start
      List<String> lines = json.stop(Duration.ofSeconds(20)).lines().toList();
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        assertThat(map(line)).as(line).containsKeys("type", "run_id", "at");
      }
      assertThat(lines).anyMatch(l -> l.contains("\"proc_started\"") && l.contains(runId));
      assertThat(human.stop(Duration.ofSeconds(20))).contains(runId);
      assertThat(json.err()).isEmpty();
      assertThat(human.err()).isEmpty();
    }
    long started = System.nanoTime();
    VrJar.Result bounded = vr("events", "--follow", "--follow-seconds", "1");
    assertThat(bounded.exit()).as(bounded.toString()).isZero();
    assertThat(bounded.out()).contains(swarmName);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
  }

  @Test
  @Order(12)
  void aCanaryDispatchPausesAcrossProcessesUntilPromotedOrReverted() throws Exception {
    String three = Files.readString(dir.resolve("three.yaml"));
    Files.writeString(dir.resolve("canary.yaml"), three.replace("env:\n", "env:\n  GREETING: canary\n")
        + "update:\n  canary: 1\n  max_parallel: 1\n  max_surge: 1\n");
    VrJar.Result paused = vr("dispatch", "canary.yaml");
    assertThat(paused.exit()).as(paused.toString()).isZero();
    assertThat(paused.out()).contains(": canary").contains("vr promote " + swarmName).contains("vr revert " + swarmName);
    String runId = paused.out().lines().filter(l -> l.startsWith("run ") && l.contains(": canary")).findFirst()
        .orElseThrow().split(" ")[1].replace(":", "");
    // this process is gone: the run waits in the store, neither stale nor reclaimed
    assertThat(vr("runs", "--json").out()).contains("\"state\" : \"canary\"");
    assertThat(vr("runs").out()).contains(runId).doesNotContain("stale");
    VrJar.Result refused = vr("dispatch", "three.yaml");
    assertThat(refused.exit()).as(refused.toString()).isNotZero();
    assertThat(refused.err()).contains(runId).contains("paused").contains("vr promote");

    VrJar.Result promoted = vr("promote", swarmName);
    assertThat(promoted.exit()).as(promoted.toString()).isZero();
    assertThat(promoted.out()).contains("run " + runId + ": done");
    assertThat(vr("plan", "canary.yaml").out()).contains("No changes.");
    VrJar.Result again = vr("promote", swarmName);
    assertThat(again.exit()).as(again.toString()).isEqualTo(2);
    assertThat(again.err()).contains("no paused run");

    Files.writeString(dir.resolve("canary2.yaml"), Files.readString(dir.resolve("canary.yaml"))
        .replace("GREETING: canary", "GREETING: canary2"));
    VrJar.Result second = vr("dispatch", "canary2.yaml");
    assertThat(second.exit()).as(second.toString()).isZero();
    assertThat(second.out()).contains(": canary");
    VrJar.Result reverted = vr("revert", swarmName);
    assertThat(reverted.exit()).as(reverted.toString()).isZero();
    assertThat(reverted.out()).contains(": reverted");
    assertThat(vr("plan", "canary.yaml").out()).as("the promoted release runs as before").contains("No changes.");
  }

  @Test
  @Order(13)
  void swarmDeleteRetiresEveryProcAndLeavesNoPortLock() throws Exception {
    VrJar.Result r = vr("--json", "swarm", "delete", swarmName);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(jsonLines(r.out())).extracting(m -> m.get("type")).contains("proc_stopped", "run_done")
        .doesNotContain("run_failed");
    assertThat(vr("procs", "--json").out()).doesNotContain("java_hello");
    assertThat(vr("swarms", "--json").out().strip()).isEqualTo("[ ]");
    assertThat(vr("ports").out()).doesNotContain("LOCKED BY RUN  psx");
  }

  @Test
  @Order(14)
  void everyCommandHasHelp() throws Exception {
    for (String cmd : List.of("plan", "dispatch", "promote", "revert", "reconcile", "swarms", "swarm show",
        "swarm history", "swarm delete", "restart", "scale",
        "runs", "run show", "procs", "proc start", "proc stop", "proc restart", "proc logs", "proc delete", "ports",
        "build", "builds", "snapshot", "events", "demo")) {
      List<String> args = new java.util.ArrayList<>(List.of(cmd.split(" ")));
      args.add("--help");
      VrJar.Result r = vr(args.toArray(String[]::new));
      assertThat(r.exit()).as(cmd + "\n" + r).isZero();
      assertThat(r.out()).as(cmd).startsWith("Usage: vr " + cmd);
    }
  }
}
