package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import io.velociraptor.examples.server.ServeSettings;
import io.velociraptor.examples.server.VrServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * JSON, the server's errors as the CLI's, and two clients sharing the server's swarm locks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteCliIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String READ = "read-token-remote-cli-0123";
  static final String DEPLOY = "deploy-token-remote-cli-4567";
  static final String SWARM = "java_hello-c1-web";
  static Path dir;
  static PrivateSupervisords supervisors;
  static Fleet fleet;
  static VrServer server;
  static Path deployToken;
  static Path readToken;
  static String runId;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-remote-cli-it-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(10);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build()));
    Host h1 = supervisors.hosts().get(0);
    // (the FIFOs writable by all: the uptest runs as the procs' user)
    // the example app with one more uptest: while the file "hold" exists it says it started (a FIFO the
    // test reads) and waits for the test to release it (another FIFO): a run held as long as the test wants
    Path app = dir.resolve("app");
    copyTree(EXAMPLES.resolve("apps/java-hello"), app);
    for (String fifo : List.of("started.fifo", "release.fifo")) {
      Process p = new ProcessBuilder("mkfifo", "-m", "666", dir.resolve(fifo).toString()).inheritIO().start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo " + fifo).isTrue();
    }
    Path hold = app.resolve("uptests/web/held");
    Files.writeString(hold, "#!/bin/sh\nif [ -e " + dir.resolve("hold") + " ]; then\n  echo started > "
        + dir.resolve("started.fifo") + "\n  cat " + dir.resolve("release.fifo") + " >/dev/null\nfi\nexit 0\n");
    Files.setPosixFilePermissions(hold, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n  install: false\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n"
        + "  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + h1.supervisorPort() + "\n    port_range: "
        + base + "-" + (base + 10) + "\n    include_dir: " + dir.resolve("sup/h1/conf.d") + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + app + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n"
        + token("reader", READ, "read") + token("ci", DEPLOY, "deploy"));
    swarmFile("swarm.yaml", 1);
    swarmFile("swarm2.yaml", 2);
    deployToken = tokenFile("deploy.token", DEPLOY);
    readToken = tokenFile("read.token", READ);
    // the runner's classpath is the real jar (the package phase made it), as ServerApiIT installs it
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

  static void swarmFile(String name, int size) throws Exception {
    Files.writeString(dir.resolve(name), "app: java_hello\nversion: '1'\nconfig: c1\nproc: web\nsquad: s\nsize: " + size
        + "\nenv:\n  PATH: " + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin\n");
  }

  static Path tokenFile(String name, String token) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, token + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
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
}
