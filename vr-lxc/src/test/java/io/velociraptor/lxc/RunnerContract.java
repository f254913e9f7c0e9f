package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.velociraptor.core.spi.UptestResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every runtime must do with a real proc: serve on $PORT, uptest, enforce memory limits
 * and read-only volumes, stop on SIGTERM, run under a real supervisord, and leave nothing
 * behind. Subclasses pick the runtime and how the proc's root is made.
 */
abstract class RunnerContract {
  static final String GREETING = "it's \"quoted\"\nsecond line with $HOME and `id`";

  Path root;
  Path vol;
  Runner runner;
  final List<Process> started = new ArrayList<>();

  abstract RuntimeKind runtime();

  /** Extra proc.yaml lines (an image for LXC). */
  abstract String imageLines() throws IOException;

  /** Where a volume appears inside the proc, given its host dir. */
  abstract String volumeInside(Path hostDir);

  /** No process of the proc's container (or cgroup) is left. */
  abstract void assertNothingRunning(String procName);

  /** After teardown: not even an empty container cgroup is left. */
  abstract void assertNoTrace(String procName);

  @BeforeEach
  void createRoot() throws IOException {
    assumeTrue(Fixtures.isRoot(), "the runner's real-component tests need root (CI runs as root)");
    root = Fixtures.tempRoot();
    vol = Files.createDirectories(root.resolve("vol"));
    runner = Runner.of(RunnerConfig.builder().root(root).runtime(runtime())
        .allowVolumesUnder(vol).uptestTimeout(Duration.ofSeconds(20)).build());
  }

  @AfterEach
  void cleanUp() throws IOException, InterruptedException {
    if (root == null) {
      return;
    }
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    Path procs = root.resolve("procs");
    if (Files.isDirectory(procs)) {
      try (var dirs = Files.list(procs)) {
        for (Path d : dirs.toList()) {
          runner.teardown(d.resolve("proc.yaml"));
        }
      }
    }
    Files2.deleteTree(root);
  }

  Path build(Map<String, String> files) throws IOException {
    Path src = Files.createTempDirectory(root, "src");
    Map<String, String> all = new TreeMap<>(Map.of("www/index.html", "hello\n"));
    all.putAll(files);
    Fixtures.tree(src, all);
    return Fixtures.tar(src, root.resolve(src.getFileName() + ".tar.gz"));
  }

  Path proc(String name, int port, Path build, String extra) throws IOException {
    Path dir = Files.createDirectories(root.resolve("procs").resolve(name));
    String md5 = Files2.digest(build, "MD5");
    String yaml = "app_name: demo\nversion: '1.0'\nconfig_name: test\nrelease_hash: abcdef12\n"
        + "proc_name: web\nport: " + port + "\nhost: 127.0.0.1\nuser: nobody\ngroup: nogroup\n"
        + "build_url: " + build + "\nbuild_md5: " + md5 + "\n"
        + "env:\n  GREETING: " + new ObjectMapper().writeValueAsString(GREETING) + "\n"
        + "settings: {db: {host: db1}}\n"
        + imageLines() + extra;
    return Files.writeString(dir.resolve("proc.yaml"), yaml);
  }

  Process start(Path procYaml, Path log) throws IOException {
    Process p = new ProcessBuilder(runner.runArgv(procYaml)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    started.add(p);
    return p;
  }

  static String serve() {
    return "cmd: busybox httpd -f -p $PORT -h www\n";
  }

  @Test
  void servesHttpOnItsPortAndTeardownLeavesNothingBehind() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.serve", port, build(Map.of("Procfile", "web: busybox httpd -f -p $PORT -h www\n")), "");
    runner.setup(yaml);
    Process p = start(yaml, root.resolve("serve.log"));
    Await.until("the proc to answer on port " + port, Duration.ofSeconds(20),
        () -> Fixtures.get(port, "/index.html").isPresent());
    assertThat(Fixtures.get(port, "/index.html")).contains("hello\n");

    p.destroy();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("the proc stops on SIGTERM").isTrue();
    runner.teardown(yaml);

    assertThat(root.resolve("procs/demo.serve")).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(root.toString());
    assertThat(Fixtures.get(port, "/index.html")).isEmpty();
    assertNothingRunning("demo.serve");
    assertNoTrace("demo.serve");
  }

  @Test
  void uptestsPassAndFailAsWrittenAndAHungOneIsKilledAtItsTimeout() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.up", port, build(Map.of(
        "uptests/web/01-serves", "#!/bin/sh\nbusybox wget -q -O - http://$1:$2/index.html | grep -q hello\n",
        "uptests/web/02-fails", "#!/bin/sh\necho \"no luck on $1:$2\"\nexit 3\n",
        "uptests/web/03-hangs", "#!/bin/sh\necho started\nexec sleep 600\n",
        "uptests/web/.hidden", "#!/bin/sh\nexit 1\n",
        "uptests/other/99-not-mine", "#!/bin/sh\nexit 1\n")), serve());
    runner.setup(yaml);
    start(yaml, root.resolve("up.log"));
    Await.until("the proc to answer", Duration.ofSeconds(20), () -> Fixtures.get(port, "/").isPresent());

    List<UptestResult> results = runner.uptest(yaml, Duration.ofSeconds(2));

    assertThat(results).extracting(UptestResult::name).containsExactly("01-serves", "02-fails", "03-hangs");
    assertThat(results).extracting(UptestResult::passed).containsExactly(true, false, false);
    assertThat(results.get(1).output()).contains("no luck on 127.0.0.1:" + port);
    assertThat(results.get(2).output()).contains("started").contains("killed");
    assertThat(results.get(2).durationMs()).isBetween(1900L, 15000L);
    assertThat(results).extracting(UptestResult::outcome).containsExactly("passed", "exit 3", "timed out");
  }

  @Test
  void uptestsRunInTheProcsEnvironmentWithEveryValueIntact() throws Exception {
    Path yaml = proc("demo.env", Fixtures.freePort(), build(Map.of(
        "uptests/web/env", "#!/bin/sh\nprintf '%s|%s|%s|' \"$GREETING\" \"$PORT\" \"$HOME\"\ncat \"$APP_SETTINGS_YAML\"\n")),
        serve());
    runner.setup(yaml);
    List<UptestResult> results = runner.uptest(yaml, Duration.ofSeconds(20));
    assertThat(results).hasSize(1);
    String port = ProcYaml.read(yaml, Map.of()).port + "";
    assertThat(results.get(0).output()).startsWith(GREETING + "|" + port + "|" + appDir("demo.env") + "|")
        .contains("db:").contains("host: \"db1\"");
    assertThat(results.get(0).passed()).isTrue();
  }

  /** The proc's HOME as the proc sees it. */
  abstract String appDir(String procName);

  @Test
  void theCommandLineUptestPrintsOnlyTheJsonArray() throws Exception {
    Path yaml = proc("demo.cli", Fixtures.freePort(), build(Map.of(
        "uptests/web/ok", "#!/bin/sh\necho fine\n")), serve());
    runner.setup(yaml);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(runner.config().toArgs());
    args.addAll(List.of("uptest", yaml.toString()));
    int code = RunnerMain.execute(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as("stderr: %s", err).isZero();
    JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(json.isArray()).isTrue();
    assertThat(json.get(0).get("name").asText()).isEqualTo("ok");
    assertThat(json.get(0).get("output").asText()).isEqualTo("fine\n");
    assertThat(json.get(0).get("passed").asBoolean()).isTrue();
    assertThat(json.get(0).has("duration_ms")).isTrue();
    assertThat(json.get(0).get("exit_code").asInt(-1)).isZero();
    assertThat(json.get(0).get("timed_out").asBoolean(true)).isFalse();
  }

  @Test
  void aMemoryLimitKillsAProcessThatExceedsIt() throws Exception {
    Path yaml = proc("demo.mem", Fixtures.freePort(), build(Map.of()),
        "mem_limit: 32M\ncmd: busybox dd if=/dev/zero of=/dev/null bs=128M count=1; echo dd-exit=$?;"
            + " busybox dd if=/dev/zero of=/dev/null bs=8M count=1 && echo small-ok\n");
    runner.setup(yaml);
    Path log = root.resolve("mem.log");
    Process p = start(yaml, log);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(log)).contains("dd-exit=137").contains("small-ok");
  }

  @Test
  void aReadOnlyVolumeIsVisibleAndNotWritable() throws Exception {
    Files.writeString(vol.resolve("seen.txt"), "from the host\n");
    String inside = volumeInside(vol);
    Path yaml = proc("demo.vol", Fixtures.freePort(), build(Map.of()),
        "volumes: [[" + vol + ", " + inside + ", ro]]\n"
            + "cmd: cat " + inside + "/seen.txt; if touch " + inside + "/new 2>/dev/null;"
            + " then echo WROTE; else echo REFUSED; fi\n");
    runner.setup(yaml);
    Path log = root.resolve("vol.log");
    Process p = start(yaml, log);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(log)).contains("from the host").contains("REFUSED").doesNotContain("WROTE");
    assertThat(vol.resolve("new")).doesNotExist();
  }

  @Test
  void aVolumeOutsideTheAllowedRootsIsRefused() throws Exception {
    Path yaml = proc("demo.badvol", Fixtures.freePort(), build(Map.of()), "volumes: [[/etc, /hostetc]]\n" + serve());
    assertThatThrownBy(() -> runner.setup(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("\"/etc\"").hasMessageContaining("allowed volume root");
    assertThat(root.resolve("procs/demo.badvol/run.sh")).doesNotExist();
  }

  @Test
  void aBuildWhoseChecksumDoesNotMatchIsRefused() throws Exception {
    Path build = build(Map.of());
    Path yaml = proc("demo.md5", Fixtures.freePort(), build, serve());
    Files.writeString(yaml, Files.readString(yaml).replaceAll("build_md5: \\w+", "build_md5: '" + "0".repeat(32) + "'"));
    assertThatThrownBy(() -> runner.setup(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("md5").hasMessageContaining("0".repeat(32));
    assertThat(root.resolve("procs/demo.md5/run.sh")).doesNotExist();
  }

  @Test
  void aBuildTarballThatClimbsOutIsRefusedAndWritesNothingOutside() throws Exception {
    Path evil = Files.createTempDirectory(root, "evil");
    Fixtures.run(List.of("sh", "-c", "cd " + evil + " && mkdir -p a && echo x > escaped && tar czf ../evil.tar.gz --absolute-names a/../escaped"));
    Files.delete(evil.resolve("escaped"));
    Path yaml = proc("demo.evil", Fixtures.freePort(), root.resolve("evil.tar.gz"), serve());
    assertThatThrownBy(() -> runner.setup(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("'..'");
    assertThat(evil.resolve("escaped")).doesNotExist();
  }

  @Test
  void teardownIsIdempotentAndWorksWhenProcYamlIsGone() throws Exception {
    Path yaml = proc("demo.gone", Fixtures.freePort(), build(Map.of()), serve());
    runner.setup(yaml);
    Files.delete(yaml);
    runner.teardown(yaml);
    assertThat(root.resolve("procs/demo.gone")).doesNotExist();
    runner.teardown(yaml);
  }

  @Test
  void envShIsReadableOnlyByTheRunAsUser() throws Exception {
    Path yaml = proc("demo.envmode", Fixtures.freePort(), build(Map.of()), serve());
    runner.setup(yaml);
    Path env = root.resolve("procs/demo.envmode/vr/env.sh");
    assertThat(java.nio.file.Files.getPosixFilePermissions(env))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(java.nio.file.Files.getOwner(env).getName()).isEqualTo("nobody");
    runner.teardown(yaml);
  }

  @Test
  void runAndUptestAfterTeardownFailAndDoNotRecreateTheProcDir() throws Exception {
    Path yaml = proc("demo.respawn", Fixtures.freePort(), build(Map.of()), serve());
    runner.setup(yaml);
    runner.teardown(yaml);
    assertThatThrownBy(() -> runner.run(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("not set up");
    assertThatThrownBy(() -> runner.uptest(yaml, java.time.Duration.ofSeconds(5)))
        .isInstanceOf(RunnerException.class);
    assertThat(root.resolve("procs/demo.respawn")).doesNotExist();
  }

  @Test
  void aSecondRunnerCommandIsRefusedWhileTheProcIsLocked() throws Exception {
    Path yaml = proc("demo.lock", Fixtures.freePort(), build(Map.of()), serve());
    Path lock = yaml.resolveSibling(".lock");
    // another process holds the proc's lock (POSIX record lock, as the runner takes it)
    Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys,time\n"
        + "f=open(sys.argv[1],'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
        lock.toString()).start();
    started.add(holder);
    assertThat(new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("locked");
    assertThatThrownBy(() -> runner.setup(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("locked by another runner command");
  }

  @Test
  void supervisordStartsTheProgramAndStopProcessStopsIt() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.sup", port, build(Map.of()), serve());
    runner.setup(yaml);
    try (PrivateSupervisord sup = PrivateSupervisord.start(root.resolve("supervisor"), "demo.sup",
        runner.runArgv(yaml))) {
      Await.until("the program to serve", Duration.ofSeconds(20), () -> Fixtures.get(port, "/").isPresent());
      Await.until("supervisord to report RUNNING", Duration.ofSeconds(20),
          () -> sup.stateOf("demo.sup").equals("RUNNING"));
      sup.stopProcess("demo.sup");
      assertThat(sup.stateOf("demo.sup")).isEqualTo("STOPPED");
      assertThat(Fixtures.get(port, "/")).isEmpty();
      assertNothingRunning("demo.sup");
    }
  }

  /**
   * A proc whose command is a shell with the app as its child (dash never execs a {@code -c}
   * command): the shell dies at SIGTERM at once, the app takes its time to shut down. Supervisor
   * may report STOPPED, and a restart may begin, only when the app has let go of its port (the
   * restart of such a proc used to fail now and then with "Exited too quickly").
   */
  @Test
  void aStopEndsOnlyWhenTheAppTheCommandStartedHasExited() throws Exception {
    // the server ignores SIGTERM (inherited); its shell ends it 1.5 s after a SIGTERM
    stopAndRestartTwice("demo.slowstop", "trap '' TERM\n"
        + "busybox httpd -f -p \"$PORT\" -h www &\n"
        + "server=$!\n"
        + "trap 'sleep 1.5; kill -KILL $server; exit 0' TERM\n"
        + "wait $server\n");
  }

  /**
   * An app that ignores SIGTERM altogether is killed within Supervisor's stopwaitsecs (10 s, as
   * vr sets it): Supervisor's own SIGKILL would reach only the proc's wrapper, not the app.
   */
  @Test
  void anAppThatIgnoresSigtermIsKilledBeforeSupervisorGivesUp() throws Exception {
    stopAndRestartTwice("demo.deaf", "trap '' TERM\nbusybox httpd -f -p \"$PORT\" -h www &\nwait\n");
  }

  /**
   * A stop may come at any moment, also while the proc is still starting (Supervisor stops a
   * program it has just started; a deploy is cancelled). Whenever it comes, once the proc's
   * wrapper has exited nothing it started is left, and its port is free. The plain runtime's
   * wrapper used to set its SIGTERM trap only after starting the app: a stop in between killed
   * the wrapper alone and orphaned the app on its port.
   */
  @Test
  void aStopAtAnyMomentOfTheStartLeavesNothingRunning() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.early", port, build(Map.of()), serve());
    runner.setup(yaml);
    for (long delayMs : new long[] {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, -1}) {
      Process p = start(yaml, root.resolve("early-" + delayMs + ".log"));
      if (delayMs < 0) {
        Await.until("the proc to serve", Duration.ofSeconds(30), () -> Fixtures.get(port, "/").isPresent());
      } else {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMs));
      }
      p.destroy();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the wrapper exits on SIGTERM (after %d ms)", delayMs).isTrue();
      assertNothingLeft("demo.early", port, "a SIGTERM " + delayMs + " ms into the start");
    }
  }

  /** No httpd of the proc is alive, its port is free, and nothing else of it runs. */
  private void assertNothingLeft(String procName, int port, String when) {
    assertThat(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains("httpd -f -p " + port + " ")))
        .as("servers on port %d after %s", port, when).isEmpty();
    assertThat(Fixtures.canBind(port)).as("port %d is free after %s", port, when).isTrue();
    assertNothingRunning(procName);
  }

  private void stopAndRestartTwice(String name, String script) throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc(name, port, build(Map.of("app.sh", script)), "cmd: sh app.sh; true\n");
    runner.setup(yaml);
    try (PrivateSupervisord sup = PrivateSupervisord.start(root.resolve("supervisor"), name,
        runner.runArgv(yaml))) {
      Await.until("the app to serve", Duration.ofSeconds(30), () -> Fixtures.get(port, "/").isPresent());
      for (int round = 1; round <= 2; round++) {
        sup.stopProcess(name);
        assertThat(sup.stateOf(name)).isEqualTo("STOPPED");
        assertThat(Fixtures.canBind(port)).as("port %d is free once the proc is STOPPED (round %d)", port, round)
            .isTrue();
        assertNothingRunning(name);
        sup.startProcess(name);
        Await.until("the app to serve again", Duration.ofSeconds(30), () -> Fixtures.get(port, "/").isPresent());
      }
    }
  }

  @Test
  void theShellRunsInTheProcsEnvironmentAsItsUser() throws Exception {
    Path yaml = proc("demo.shell", Fixtures.freePort(), build(Map.of()), serve());
    runner.setup(yaml);
    Process sh = new ProcessBuilder(runner.shellArgv(yaml)).redirectErrorStream(true).start();
    started.add(sh);
    sh.getOutputStream().write("printf '%s|' \"$GREETING\" \"$(id -un)\" \"$PWD\"; exit 7\n"
        .getBytes(StandardCharsets.UTF_8));
    sh.getOutputStream().close();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(sh.exitValue()).isEqualTo(7);
    assertThat(out).contains(GREETING + "|nobody|" + appDir("demo.shell") + "|");
  }

  @Test
  void theJavaRunCommandPassesSigtermOnToTheProc() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.javarun", port, build(Map.of()), serve());
    runner.setup(yaml);
    Process jvm = startRunnerJvm(yaml, root.resolve("javarun.log"));
    Await.until("the proc to serve", Duration.ofSeconds(30), () -> Fixtures.get(port, "/").isPresent());
    jvm.destroy();
    assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the runner JVM exits on SIGTERM").isTrue();
    // the JVM waits for the proc's wrapper, which ends only when the proc has: nothing to wait for
    assertNothingLeft("demo.javarun", port, "the runner JVM has exited");
  }

  /** Like the wrapper, the Java runner leaves nothing behind whenever its SIGTERM comes. */
  @Test
  void theJavaRunCommandLeavesNothingWhenStoppedWhileStarting() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.javaearly", port, build(Map.of()), serve());
    runner.setup(yaml);
    for (long delayMs : new long[] {100, 200, 300, 400, 600, 900}) {
      Process jvm = startRunnerJvm(yaml, root.resolve("javaearly-" + delayMs + ".log"));
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMs));
      jvm.destroy();
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the runner JVM exits on SIGTERM (after %d ms)", delayMs)
          .isTrue();
      assertNothingLeft("demo.javaearly", port, "a SIGTERM " + delayMs + " ms into the runner JVM");
    }
  }

  /** Starts the Java runner's {@code run} for the proc in a JVM of its own (the launcher execs run.sh instead). */
  private Process startRunnerJvm(Path yaml, Path log) throws IOException {
    List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), RunnerMain.class.getName()));
    argv.addAll(runner.config().toArgs());
    argv.addAll(List.of("run", yaml.toString()));
    Process jvm = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(jvm);
    return jvm;
  }
}
