package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import io.velociraptor.examples.server.ServedFleet;
import io.velociraptor.examples.server.VrServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CLI as a client of a real {@code vr serve} (VrServer over a private supervisord, host h1),
 * run in-process with {@code --server} and a token file: the same output as locally, text and
 * JSON, the server's errors as the CLI's, two clients sharing the server's swarm locks (the
 * first's run held at {@link ServedFleet}'s uptest gate), a build through the server, and
 * promote, revert and rollback of a canary swarm.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteCliIT {
  static final String READ = "read-token-remote-cli-0123";
  static final String DEPLOY = "deploy-token-remote-cli-4567";
  static final String SWARM = ServedFleet.SWARM;
  static ServedFleet served;
  static Path dir;
  static VrServer server;
  static Path deployToken;
  static Path readToken;
  static String runId;

  @BeforeAll
  static void start() throws Exception {
    served = ServedFleet.builder("vr-remote-cli-it-").gatedUptest()
        .token("reader", READ, "read").token("ci", DEPLOY, "deploy").start();
    dir = served.dir();
    server = served.server();
    Files.writeString(dir.resolve("swarm.yaml"), ServedFleet.swarmYaml(1));
    Files.writeString(dir.resolve("swarm2.yaml"), ServedFleet.swarmYaml(2));
    deployToken = served.tokenFile("deploy.token", DEPLOY);
    readToken = served.tokenFile("read.token", READ);
  }

  static Path tokenFile(String name, String token) throws Exception {
    return served.tokenFile(name, token);
  }

  @AfterAll
  static void stop() throws Exception {
    if (served != null) {
      served.close();
    }
  }

  /** Runs {@code vr --server URL --token-file F ARGS} in-process, with writers of its own (so two can run at once). */
  static Result remote(Path token, String... args) {
    List<String> all = new ArrayList<>(List.of("--server", server.url().toString(), "--token-file", token.toString()));
    all.addAll(List.of(args));
    return vr(Map.of(), all);
  }

  static Result remote(String... args) {
    return remote(deployToken, args);
  }

  /** Runs {@code vr --config vr.yaml ARGS} in-process on the server's store. */
  static Result local(String... args) {
    List<String> all = new ArrayList<>(List.of("--config", dir.resolve("vr.yaml").toString()));
    all.addAll(List.of(args));
    return vr(Map.of(), all);
  }

  static Result vr(Map<String, String> env, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = VrMain.run(env::get, new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }

  static String path(String file) {
    return dir.resolve(file).toString();
  }

  static void assertNoToken(Result r) {
    assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(DEPLOY).doesNotContain(READ);
  }

  @Test
  @Order(1)
  void swarmsThroughTheServerListsNoneAtFirst() {
    Result r = remote("swarms");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("SWARM").contains("(none)");
    assertNoToken(r);
  }

  @Test
  @Order(2)
  void planThroughTheServerSaysTheBuildIsPendingAndExits1() throws Exception {
    Result r = remote("plan", path("swarm.yaml"));
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.CHANGES);
    assertThat(r.out()).contains("build of version 1 pending: a dispatch builds it first").contains("+   start ");
    Result json = remote("--json", "plan", path("swarm.yaml"));
    assertThat(json.exit()).as(json.toString()).isEqualTo(VrMain.CHANGES);
    assertThat(VrJson.readJson(json.out(), Map.class).get("build_pending")).isEqualTo(true);
  }

  @Test
  @Order(3)
  void dispatchThroughTheServerPrintsTheRunsProgressAndExits0() {
    Result r = remote("dispatch", path("swarm.yaml"));
    assertThat(r.exit()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    if (r.err().contains("has no event stream")) {
      // this server has no GET /api/events yet: the run is followed by its state (ServerOptionsTest covers the
      // progress lines from a contract-shaped event stream); the warning says so, once
      assertThat(r.err().lines()).as(r.toString()).hasSize(1);
    } else {
      assertThat(lines).anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d  run .* started for swarm " + SWARM + " .*"));
      assertThat(r.out()).contains("+   start ").contains("starting java_hello-1-c1-").contains("uptests passed for ");
    }
    String last = lines.get(lines.size() - 1);
    assertThat(last).matches("run \\S+: done.*");
    runId = last.split(" ")[1].replace(":", "");
    assertNoToken(r);
  }

  @Test
  @Order(4)
  void procsAndRunShowThroughTheServerShowTheDispatchedProc() {
    Result procs = remote("procs");
    assertThat(procs.exit()).as(procs.toString()).isZero();
    assertThat(procs.out()).contains("h1").contains("java_hello-1-c1-").contains("RUNNING");
    Result run = remote("run", "show", runId);
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).startsWith("run " + runId + " of swarm ").contains(": done").contains("STEP");
  }

  @Test
  @Order(5)
  void theJsonOfReadCommandsIsTheSameThroughTheServerAsLocally() {
    for (List<String> command : List.of(List.of("swarms"), List.of("runs"), List.of("swarm", "show", SWARM),
        List.of("swarm", "history", SWARM), List.of("run", "show", runId), List.of("releases", SWARM),
        List.of("builds"))) {
      List<String> args = new ArrayList<>(List.of("--json"));
      args.addAll(command);
      Result there = remote(args.toArray(String[]::new));
      Result here = local(args.toArray(String[]::new));
      assertThat(there.exit()).as(command + ": " + there).isZero();
      assertThat(here.exit()).as(command + ": " + here).isZero();
      assertThat(there.out()).as(command.toString()).isNotBlank().isEqualTo(here.out());
    }
    // and the text too, where it does not depend on the moment it is asked
    assertThat(remote("swarms").out()).isEqualTo(local("swarms").out());
    assertThat(remote("run", "show", runId).out()).isEqualTo(local("run", "show", runId).out());
  }

  @Test
  @Order(6)
  void anErrorOfTheServerIsTheCliErrorWithItsExitCode() {
    Result bad = remote("scale", SWARM, "-1");
    assertThat(bad.exit()).as("400: " + bad).isEqualTo(VrMain.INVALID);
    assertThat(bad.err()).contains("size").contains("-1");

    Result missing = remote("swarm", "show", "nosuch-c1-web");
    assertThat(missing.exit()).as("404: " + missing).isEqualTo(VrMain.INVALID);
    assertThat(missing.err()).contains("nosuch-c1-web");
    Result json = remote("--json", "run", "show", "nosuchid-9");
    assertThat(json.exit()).as("404: " + json).isEqualTo(VrMain.INVALID);
    assertThat((String) JsonErrorsTest.jsonError(new Result(json.exit(), json.out(), json.err())).get("error"))
        .contains("nosuchid-9");

    Result role = remote(readToken, "restart", SWARM);
    assertThat(role.exit()).as("403: " + role).isEqualTo(VrMain.ERROR);
    assertThat(role.err()).contains("deploy");
    assertNoToken(role);
  }

  @Test
  @Order(7)
  void aBadTokenIsRefusedAndNeverPrinted() throws Exception {
    String wrong = "wrong-token-" + Long.toHexString(System.nanoTime());
    Path file = tokenFile("wrong.token", wrong);
    Result r = remote(file, "swarms");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    assertThat(r.err()).contains("a valid API token is required").contains("--token-file");
    assertThat(r.out() + r.err()).doesNotContain(wrong);
    Result json = remote(file, "--json", "procs");
    assertThat(json.err()).contains("a valid API token is required").doesNotContain(wrong);
  }

  /** @return the swarm's newest run as the server lists it (vr swarm history --json through the read token) */
  static Map<?, ?> newestRun() {
    Result r = remote(readToken, "--json", "swarm", "history", SWARM);
    assertThat(r.exit()).as(r.toString()).isZero();
    List<?> runs = VrJson.readJson(r.out(), List.class);
    return (Map<?, ?>) runs.get(runs.size() - 1);
  }

  @Test
  @Order(8)
  void twoClientsDispatchingOneSwarmThroughOneServerShareItsLock() throws Exception {
    // daemon threads: a failed test must not keep the JVM alive
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "remote-cli-it-first-client");
      t.setDaemon(true);
      return t;
    });
    served.hold();
    try {
      // the first client's run starts the second proc, whose uptest waits at the gate: the run holds the swarm
      CompletableFuture<Result> first = CompletableFuture.supplyAsync(() -> remote("dispatch", path("swarm2.yaml")), pool);
      served.awaitGateReached();
      Map<?, ?> live = newestRun();
      String held = (String) live.get("id");
      assertThat(held).isNotEqualTo(runId);
      assertThat(live.get("state")).as(live.toString()).isEqualTo("uptesting");
      assertThat(first).as("the first client follows its run until it ends").isNotDone();

      Result second = remote("dispatch", path("swarm.yaml"));
      assertThat(second.exit()).as(second.toString()).isEqualTo(VrMain.ERROR);
      assertThat(second.err()).contains(held).contains(SWARM);
      Result secondJson = remote("--json", "scale", SWARM, "1");
      assertThat(secondJson.exit()).as(secondJson.toString()).isEqualTo(VrMain.ERROR);
      Map<?, ?> error = JsonErrorsTest.jsonError(new Result(secondJson.exit(), secondJson.out(), secondJson.err()));
      assertThat((String) error.get("error")).contains(held);
      assertThat(error.get("run")).as("the --json error names the busy run in its own member").isEqualTo(held);
      assertNoToken(second);
      assertThat(newestRun().get("id")).as("the refused clients recorded no run").isEqualTo(held);

      served.release();
      Result done = first.get(5, TimeUnit.MINUTES);
      assertThat(done.exit()).as(done.toString()).isZero();
      assertThat(done.out()).contains("run " + held + ": done");

      Result retry = remote("dispatch", path("swarm.yaml"));
      assertThat(retry.exit()).as(retry.toString()).isZero();
      String last = retry.out().lines().reduce((a, b) -> b).orElseThrow();
      assertThat(last).matches("run \\S+: done.*").doesNotContain(held);
      Result procs = remote("--json", "procs");
      assertThat(procs.exit()).as(procs.toString()).isZero();
      assertThat(((List<?>) VrJson.readJson(procs.out(), Map.class).get("procs"))).hasSize(1);
    } finally {
      served.release();
      pool.shutdownNow();
    }
  }

  @Test
  @Order(9)
  void buildThroughTheServerStreamsTheServersBuildLog() throws Exception {
    Result r = remote("build", "java_hello", "3");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("wrote Procfile line");
    assertThat(r.out().strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith("build java_hello 3: success");
    // the server built it: the log the CLI printed is the server's, kept for its build
    var log = served.send("GET", "/api/builds/java_hello/3/log", READ, null);
    assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
    assertThat(log.body()).contains("wrote Procfile line");
    assertThat(log.body().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("build java_hello 3: success");
    Result builds = remote("--json", "builds", "java_hello");
    assertThat(builds.exit()).as(builds.toString()).isZero();
    assertThat((List<?>) VrJson.readJson(builds.out(), List.class)).anySatisfy(b ->
        assertThat(((Map<?, ?>) b).get("version")).isEqualTo("3"));
    assertNoToken(r);
  }

  static final String CANARY = "java_hello-c2-web";

  /** Writes the canary swarm (two procs, a canary of one) at {@code version}; its env says the version, so each is a release. */
  static String canaryFile(String version) throws Exception {
    String name = "canary" + version + ".yaml";
    Files.writeString(dir.resolve(name), "app: java_hello\nversion: '" + version + "'\nconfig: c2\nproc: web\nsquad: s\n"
        + "size: 2\nenv:\n  PATH: " + ServedFleet.javaPath() + "\n  RELEASE_OF: '" + version + "'\nupdate:\n  canary: 1\n");
    return path(name);
  }

  /** @return the last line (the summary) of a command that followed a run, asserting its exit code 0 */
  static String summary(Result r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    assertNoToken(r);
    return r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
  }

  /** @return the versions of the canary swarm's procs, sorted, as the server lists them */
  static List<String> canaryVersions() {
    Result r = remote(readToken, "--json", "procs", "--swarm", CANARY);
    assertThat(r.exit()).as(r.toString()).isZero();
    return ((List<?>) VrJson.readJson(r.out(), Map.class).get("procs")).stream()
        .map(p -> ((String) ((Map<?, ?>) p).get("name")).split("-")[1]).sorted().toList();
  }

  @Test
  @Order(10)
  void promoteRevertAndRollbackThroughTheServerEachFollowTheirRun() throws Exception {
    String v1 = canaryFile("1");
    String v2 = canaryFile("2");
    String paused = summary(remote("dispatch", v1));
    assertThat(paused).matches("run \\S+: canary.*");
    String run = paused.split(" ")[1].replace(":", "");
    Result busy = remote("dispatch", v1);
    assertThat(busy.exit()).as(busy.toString()).isEqualTo(VrMain.ERROR);
    assertThat(busy.err()).contains(run).contains("paused");
    assertThat(summary(remote("promote", CANARY))).startsWith("run " + run + ": done");
    assertThat(canaryVersions()).containsExactly("1", "1");
    Result nothingPaused = remote("promote", CANARY);
    assertThat(nothingPaused.exit()).as(nothingPaused.toString()).isEqualTo(VrMain.INVALID);

    assertThat(summary(remote("dispatch", v2))).matches("run \\S+: canary.*");
    assertThat(canaryVersions()).containsExactly("1", "1", "2");
    assertThat(summary(remote("revert", CANARY))).matches("run \\S+: reverted.*");
    assertThat(canaryVersions()).containsExactly("1", "1");

    assertThat(summary(remote("dispatch", v2))).matches("run \\S+: canary.*");
    assertThat(summary(remote("promote", CANARY))).matches("run \\S+: done.*");
    assertThat(canaryVersions()).containsExactly("2", "2");
    Result back = remote("rollback", CANARY);
    // under the swarm's policy a rollback pauses after its canary too
    assertThat(summary(back)).matches("run \\S+: canary.*");
    assertThat(back.out()).contains("rollback to release");
    assertThat(summary(remote("promote", CANARY))).matches("run \\S+: done.*");
    assertThat(canaryVersions()).containsExactly("1", "1");
    Result releases = remote("--json", "releases", CANARY);
    assertThat(releases.exit()).as(releases.toString()).isZero();
    Map<?, ?> newest = (Map<?, ?>) VrJson.readJson(releases.out(), List.class).get(0);
    assertThat(newest.get("version") + " " + newest.get("current")).isEqualTo("1 true");
  }
}
