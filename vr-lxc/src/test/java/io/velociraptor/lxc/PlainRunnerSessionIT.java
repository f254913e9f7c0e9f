package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandFailedException;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.RunningCommand;
import io.velociraptor.core.spi.UptestResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plain runtime's steps over one resident {@code vr-runner serve} per host: real launcher,
 * real runner JVM, real processes (and a real supervisord for a running proc).
 */
class PlainRunnerSessionIT {
  private Path root;
  private Path controller;
  CommandRunner host;
  private RunnerInstall install;
  private PlainContainerRuntime runtime;
  private final List<ProcessHandle> strays = new ArrayList<>();

  @BeforeEach
  void install() throws IOException {
    assumeTrue(Fixtures.isRoot(), "the runner's real-component tests need root (CI runs as root)");
    root = Fixtures.tempRoot();
    controller = Files.createTempDirectory("vr-controller");
    host = host(root);
    install = RunnerInstall.builder().root(root).runtime(RuntimeKind.PLAIN).classpathOfThisJvm().build();
    install.install(host);
    runtime = install.plainRuntime(Duration.ofMinutes(2));
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (root == null) {
      return;
    }
    strays.forEach(ProcessHandle::destroyForcibly);
    Path procs = root.resolve("procs");
    if (Files.isDirectory(procs)) {
      try (var dirs = Files.list(procs)) {
        for (Path d : dirs.toList()) {
          runtime.teardown(host, ProcName.parse(d.getFileName().toString()));
        }
      }
    }
    runtime.close();
    Await.until("no runner JVM of the test left", Duration.ofSeconds(20), () -> runnerJvms().isEmpty());
    host.close();
    Files2.deleteTree(root);
    Files2.deleteTree(controller);
  }

  /** The host the runtime drives: this machine, through a {@link LocalCommandRunner}. */
  CommandRunner host(Path root) {
    return LocalCommandRunner.builder().root(root).build();
  }

  /** Runner JVMs (one-shot or serve) on this test's root. */
  private List<ProcessHandle> runnerJvms() {
    return ProcessHandle.allProcesses().filter(p -> {
      String c = p.info().commandLine().orElse("");
      return c.contains("io.velociraptor.lxc.RunnerMain") && c.contains(root.toString());
    }).toList();
  }

  private ProcData proc(String procName, int port, Map<String, String> uptests) throws IOException {
    Map<String, String> files = new java.util.HashMap<>(Map.of(
        "www/index.html", "hello\n",
        "Procfile", procName + ": exec busybox httpd -f -p $PORT -h www\n"));
    uptests.forEach((name, body) -> files.put("uptests/" + procName + "/" + name, body));
    Path src = Fixtures.tree(Files.createTempDirectory(controller, "src"), files);
    Path build = Fixtures.tar(src, Files.createTempDirectory(controller, "build").resolve("build.tar.gz"));
    return ProcData.builder().appName("demo").version("1.0").configName("test")
        .releaseHash("abcdef12").procName(procName).port(port).host("127.0.0.1")
        .buildUrl(build.toString()).buildMd5(Files2.digest(build, "MD5")).build();
  }

  private static final Map<String, String> ECHO = Map.of("echo", "#!/bin/sh\necho \"up $1 $2\"\n");

  @Test
  void runsManyConcurrentSetupsAndUptestsOverOneRunnerJvm() throws Exception {
    int n = 12;
    List<ProcData> procs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      procs.add(proc("web", 20000 + i, ECHO));
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<List<UptestResult>>> results = new ArrayList<>();
      for (ProcData p : procs) {
        results.add(pool.submit(() -> {
          runtime.setup(host, p);
          return runtime.uptest(host, p, Duration.ofSeconds(20));
        }));
      }
      for (int i = 0; i < n; i++) {
        List<UptestResult> r = results.get(i).get(3, TimeUnit.MINUTES);
        assertThat(r).extracting(UptestResult::name).containsExactly("echo");
        assertThat(r.get(0).passed()).isTrue();
        assertThat(r.get(0).output()).isEqualTo("up 127.0.0.1 " + (20000 + i) + "\n");
      }
      List<ProcessHandle> jvms = runnerJvms();
      assertThat(jvms).hasSize(1);
      assertThat(jvms.get(0).info().commandLine().orElse("")).endsWith(" serve");
      assertThat(runtime.liveSessions()).isEqualTo(1);
      List<Future<?>> teardowns = new ArrayList<>();
      for (ProcData p : procs) {
        teardowns.add(pool.submit(() -> runtime.teardown(host, ProcName.parse(p.programName()))));
      }
      for (Future<?> f : teardowns) {
        f.get(3, TimeUnit.MINUTES);
      }
      assertThat(root.resolve("procs")).isEmptyDirectory();
      assertThat(runnerJvms()).containsExactlyElementsOf(jvms);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void reportsAFailedStepAsTheCommandWouldHave() throws Exception {
    ProcData p = proc("web", Fixtures.freePort(), ECHO);
    // uptest before setup: the runner refuses it, exit 1 and its ERROR: line
    assertThatThrownBy(() -> runtime.uptest(host, p, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(CommandFailedException.class, e -> {
          assertThat(e.getMessage()).contains(host.host()).contains("uptest").contains("is not set up");
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.stderrTail()).startsWith("ERROR: ");
        });
    assertThat(runtime.liveSessions()).isEqualTo(1);
  }

  @Test
  void aKilledSessionFailsItsPendingStepsNamingTheHostAndTheNextStepStartsANewOne() throws Exception {
    Path marks = Files.createDirectories(root.resolve("marks"));
    // the uptest runs as the proc's user, not root
    Files.setPosixFilePermissions(marks, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    ProcData slow = proc("slow", 21001, Map.of("wait", "#!/bin/sh\n: > " + marks + "/$2\nexec sleep 120\n"));
    ProcData quick = proc("web", 21002, ECHO);
    runtime.setup(host, slow);
    runtime.setup(host, quick);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> pending = pool.submit(() -> runtime.uptest(host, slow, Duration.ofSeconds(100)));
      Await.until("the slow uptest to start", Duration.ofSeconds(30), () -> Files.exists(marks.resolve("21001")));
      ProcessHandle serve = runnerJvms().get(0);
      strays.addAll(serve.descendants().toList()); // its uptest's sleep outlives it, as a one-shot's would
      serve.destroyForcibly();
      assertThatThrownBy(() -> pending.get(1, TimeUnit.MINUTES)).hasCauseInstanceOf(RunnerException.class)
          .cause().hasMessageContaining("runner session on " + host.host() + " died").hasMessageContaining("uptest of "
              + root + "/procs/" + slow.programName() + "/proc.yaml");
      Await.until("the session to be noticed dead", Duration.ofSeconds(20), () -> runtime.liveSessions() == 0);
      assertThat(runtime.uptest(host, quick, Duration.ofSeconds(20))).allMatch(UptestResult::passed);
      assertThat(runnerJvms()).hasSize(1).doesNotContain(serve);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void answersBadRequestLinesWithAnErrorNamingThemAndExitsAtEndOfInput() throws Exception {
    try (RunningCommand serve = host.open(Command.of(install.launcher().toString(), "serve"))) {
      BufferedReader out = new BufferedReader(new InputStreamReader(serve.stdout(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo(RunnerServe.HELLO);
      String lines = "this is not json\n"
          + "{\"op\":\"setup\",\"yaml\":\"/x/proc.yaml\"}\n"
          + "{\"id\":7,\"op\":\"frobnicate\",\"yaml\":\"/x/proc.yaml\"}\n"
          + "{\"id\":8,\"op\":\"setup\"}\n"
          + "{\"id\":9,\"op\":\"uptest\",\"yaml\":\"/x/proc.yaml\",\"timeout_ms\":-5}\n"
          + "{\"id\":10,\"op\":\"teardown\",\"yaml\":\"" + root + "/procs/demo-1.0-test-abcdef12-web-1-aaaaaaaa/proc.yaml\"}\n";
      serve.stdin().write(lines.getBytes(StandardCharsets.UTF_8));
      serve.stdin().close();
      List<Map<String, Object>> replies = new ArrayList<>();
      String line;
      while ((line = out.readLine()) != null) {
        replies.add(io.velociraptor.core.json.VrJson.json().readValue(line,
            new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
      }
      assertThat(serve.waitFor(Duration.ofSeconds(30))).hasValue(0);
      assertThat(replies).hasSize(6);
      assertThat(replies.get(0)).containsEntry("id", null).containsEntry("ok", false).containsEntry("exit_code", 2);
      assertThat((String) replies.get(0).get("error")).contains("line 1").contains("not JSON").contains("this is not json");
      assertThat((String) replies.get(1).get("error")).contains("line 2").contains("\"id\"");
      assertThat(replies.get(2)).containsEntry("id", 7);
      assertThat((String) replies.get(2).get("error")).contains("frobnicate");
      assertThat(replies.get(3)).containsEntry("id", 8);
      assertThat((String) replies.get(3).get("error")).contains("\"yaml\"");
      assertThat((String) replies.get(4).get("error")).contains("timeout_ms").contains("-5");
      // a well-formed request still works after the bad ones: teardown of a missing proc is fine
      assertThat(replies.get(5)).containsEntry("id", 10).containsEntry("ok", true).containsEntry("exit_code", 0);
    }
  }

  @Test
  void answersARequestStillRunningAtItsTimeoutWithAnErrorAndServesTheNextOne() throws Exception {
    ProcData slow = proc("slow", 21003, Map.of("wait", "#!/bin/sh\nexec sleep 120\n"));
    runtime.setup(host, slow);
    String yaml = root + "/procs/" + slow.programName() + "/proc.yaml";
    try (RunningCommand serve = host.open(Command.of(install.launcher().toString(), "serve"))) {
      BufferedReader out = new BufferedReader(new InputStreamReader(serve.stdout(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo(RunnerServe.HELLO);
      serve.stdin().write(("{\"id\":1,\"op\":\"uptest\",\"yaml\":\"" + yaml + "\",\"timeout_ms\":700,"
          + "\"uptest_timeout_ms\":100000}\n").getBytes(StandardCharsets.UTF_8));
      serve.stdin().flush();
      long t = System.nanoTime();
      String reply = out.readLine();
      assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(60));
      assertThat(reply).contains("\"id\":1", "\"ok\":false", "\"exit_code\":1", "timed out after 700 ms");
      ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("sleep 120"))
          .forEach(strays::add);
      serve.stdin().write(("{\"id\":2,\"op\":\"teardown\",\"yaml\":\"" + yaml + "\"}\n")
          .getBytes(StandardCharsets.UTF_8));
      serve.stdin().close();
      assertThat(out.readLine()).contains("\"id\":2");
      assertThat(serve.waitFor(Duration.ofSeconds(60))).hasValue(0);
    }
  }

  @Test
  void fallsBackToACommandPerStepWhenTheHostsRunnerDoesNotServe() throws Exception {
    Path calls = root.resolve("calls");
    Path real = installOldRunner(calls);
    ProcData p = proc("web", Fixtures.freePort(), ECHO);
    runtime.setup(host, p);
    assertThat(runtime.uptest(host, p, Duration.ofSeconds(20))).allMatch(UptestResult::passed);
    runtime.teardown(host, ProcName.parse(p.programName()));
    assertThat(runtime.liveSessions()).isZero();
    assertThat(Files.readAllLines(calls)).extracting(l -> l.split(" ")[0])
        .containsExactly("serve", "setup", "--uptest-timeout-ms", "teardown");
    assertThat(real).exists();
  }

  /** Makes the launcher answer serve as an older runner does (usage, exit 2), logging each call. */
  private Path installOldRunner(Path calls) throws IOException {
    Path launcher = install.launcher();
    Path real = launcher.resolveSibling("vr-runner.real");
    Files.move(launcher, real);
    Files.writeString(launcher, "#!/bin/sh\necho \"$*\" >> " + calls + "\n"
        + "if [ \"$1\" = serve ]; then echo \"" + RunnerMain.USAGE + "\" >&2; exit 2; fi\n"
        + "exec " + real + " \"$@\"\n");
    Files.setPosixFilePermissions(launcher, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    return real;
  }

  @Test
  void closesAnIdleSessionAndOpensANewOneForTheNextStep() throws Exception {
    runtime.idleTimeout(Duration.ofMillis(300));
    ProcData p = proc("web", Fixtures.freePort(), ECHO);
    runtime.setup(host, p);
    assertThat(runtime.liveSessions()).isEqualTo(1);
    Await.until("the idle session to end", Duration.ofSeconds(20),
        () -> runtime.liveSessions() == 0 && runnerJvms().isEmpty());
    assertThat(runtime.uptest(host, p, Duration.ofSeconds(20))).allMatch(UptestResult::passed);
    assertThat(runnerJvms()).hasSize(1);
  }

  @Test
  void closeEndsEverySessionAndALaterStepOpensANewOne() throws Exception {
    ProcData p = proc("web", Fixtures.freePort(), ECHO);
    runtime.setup(host, p);
    List<ProcessHandle> first = runnerJvms();
    assertThat(first).hasSize(1);
    runtime.close();
    Await.until("the runner JVM to exit", Duration.ofSeconds(20), () -> runnerJvms().isEmpty());
    assertThat(runtime.liveSessions()).isZero();
    assertThat(runtime.uptest(host, p, Duration.ofSeconds(20))).allMatch(UptestResult::passed);
    assertThat(runnerJvms()).hasSize(1).doesNotContainAnyElementsOf(first);
  }

  @Test
  void aProcUnderSupervisordIsUptestedOverTheSession() throws Exception {
    int port = Fixtures.freePort();
    ProcData p = proc("web", port, Map.of("serves", "#!/bin/sh\nbusybox wget -q -O - http://$1:$2/index.html\n"));
    runtime.setup(host, p);
    try (PrivateSupervisord sup = PrivateSupervisord.start(root.resolve("supervisor"), "web",
        runtime.runCommand(p))) {
      Await.until("supervisord to report RUNNING", Duration.ofSeconds(20), () -> sup.stateOf("web").equals("RUNNING"));
      Await.until("the proc to serve", Duration.ofSeconds(20), () -> Fixtures.get(port, "/index.html").isPresent());
      List<UptestResult> r = runtime.uptest(host, p, Duration.ofSeconds(10));
      assertThat(r).extracting(UptestResult::output).containsExactly("hello\n");
      sup.stopProcess("web");
    }
    runtime.teardown(host, ProcName.parse(p.programName()));
    assertThat(runnerJvms()).hasSize(1);
  }

  /** The figure the resident runner is for: one proc's setup, uptest and teardown, with and without it. */
  @Test
  void aProcsStepsCostLessOverTheSessionThanAsCommands() throws Exception {
    int rounds = 3;
    ProcData warm = proc("web", Fixtures.freePort(), ECHO);
    runtime.setup(host, warm); // the session's one JVM start is not part of a step
    runtime.teardown(host, ProcName.parse(warm.programName()));
    long session = cycles(rounds);
    runtime.close();
    runtime = install.plainRuntime(Duration.ofMinutes(2));
    installOldRunner(root.resolve("calls"));
    long commands = cycles(rounds);
    System.out.printf("setup+uptest+teardown per proc: %d ms over the session, %d ms as commands%n",
        session / rounds, commands / rounds);
    assertThat(session).isLessThan(commands);
  }

  private long cycles(int rounds) throws IOException {
    long total = 0;
    for (int i = 0; i < rounds; i++) {
      ProcData p = proc("web", 22000 + i, ECHO);
      long t = System.nanoTime();
      runtime.setup(host, p);
      assertThat(runtime.uptest(host, p, Duration.ofSeconds(20))).allMatch(UptestResult::passed);
      runtime.teardown(host, ProcName.parse(p.programName()));
      total += System.nanoTime() - t;
    }
    return TimeUnit.NANOSECONDS.toMillis(total);
  }
}
