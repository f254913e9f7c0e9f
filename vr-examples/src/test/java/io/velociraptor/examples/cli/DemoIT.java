package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr demo} end to end through the real jar: embedded (what a machine with only a JDK
 * runs) and with real components ({@code --real}: private supervisords, a private nginx, LXC as
 * root). Each tells the whole story, exits 0 and leaves no process behind, also when the demo is
 * interrupted with Ctrl-C halfway.
 */
class DemoIT {
  private static final Pattern NGINX = Pattern.compile("routing goes to a private nginx \\(pid (\\d+), 127\\.0\\.0\\.1:(\\d+),");

  @TempDir
  Path dir;

  @org.junit.jupiter.api.BeforeEach
  void letNobodyIn() throws Exception {
    // as root the procs run as nobody, who must be able to enter the work directory
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
  }

  @Test
  void theEmbeddedDemoTellsTheStoryAndLeavesNothingRunning() throws Exception {
    Path work = dir.resolve("work");
    VrJar.Result r = VrJar.run(dir, "demo", "--dir", work.toString());
    assertStory(r);
    assertThat(r.out()).contains("the embedded supervisor (in this JVM)").contains("plain processes")
        .contains("routing goes to an in-memory balancer").doesNotContain("through nginx");
    assertNothingRunsFrom(work);
    assertThat(work.resolve("store/swarms")).isEmptyDirectory();
  }

  @Test
  void theRealDemoUsesPrivateSupervisordsAndNginxAndLeavesNothingRunning() throws Exception {
    Path work = dir.resolve("work");
    VrJar.Result r = VrJar.run(dir, "demo", "--real", "--dir", work.toString());
    assertStory(r);
    assertThat(r.out()).contains("3 private supervisord instances");
    if ("root".equals(System.getProperty("user.name"))) {
      assertThat(r.out()).contains("as LXC containers");
    }
    if (DemoCommand.onPath("nginx")) {
      Matcher m = NGINX.matcher(r.out());
      assertThat(m.find()).as("the demo announces its nginx:\n%s", r).isTrue();
      long pid = Long.parseLong(m.group(1));
      int port = Integer.parseInt(m.group(2));
      List<String> through = r.out().lines().filter(l -> l.contains("(through nginx, pool demo/hello) -> 200")).toList();
      assertThat(through).hasSize(2);
      assertThat(through.get(0)).startsWith("  GET http://127.0.0.1:" + port + "/hello/").endsWith("Hello from a vr Java app, in green");
      assertThat(through.get(1)).endsWith("Hello from a vr Java app, in blue");
      assertThat(r.out()).contains("stopped the private nginx (pid " + pid + ")");
      assertNginxIsGone(pid, port);
    } else {
      assertThat(r.out()).contains("--real: nginx is not installed, so routing goes to an in-memory balancer");
    }
    assertNothingRunsFrom(work);
  }

  @Test
  void anInterruptedRealDemoStopsEverythingItStarted() throws Exception {
    Path work = dir.resolve("work");
    String out;
    try (VrJar.Running demo = VrJar.start(dir, "demo", "--real", "--dir", work.toString())) {
      String announce = demo.awaitLine(l -> l.startsWith("procs run under"), Duration.ofSeconds(60));
      // Ctrl-C in the middle of a dispatch: procs running, new ones starting, routes changing
      demo.awaitLine(l -> l.startsWith("== 4. change the config"), Duration.ofSeconds(150));
      demo.awaitLine(l -> l.contains("started java_hello-1.0-demo-"), Duration.ofSeconds(60));
      demo.signal("INT");
      out = demo.rest(Duration.ofSeconds(90));
      assertThat(demo.process.exitValue()).as(out).isNotZero();
      Matcher m = NGINX.matcher(announce);
      if (m.find()) {
        assertNginxIsGone(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)));
      }
    }
    assertThat(out).contains("vr demo: interrupted; stopping everything it started").doesNotContain("demo finished");
    assertNothingRunsFrom(work);
  }

  @Test
  void withJsonTheDemoPrintsEveryEventAsAJsonLineThenASummary() throws Exception {
    VrJar.Result r = VrJar.run(dir, "--json", "demo", "--procs", "1");
    assertThat(r.exit()).as(r.toString()).isZero();
    List<java.util.Map<String, Object>> lines = CliIT.jsonLines(r.out());
    assertThat(lines).filteredOn(m -> "run_done".equals(m.get("type"))).hasSize(4);
    assertThat(lines.get(lines.size() - 1)).containsEntry("type", "demo_finished").containsEntry("succeeded", true)
        .containsEntry("procs_left", 0);
  }

  @Test
  void withoutDirTheDemoRemovesItsTemporaryDirectory() throws Exception {
    VrJar.Result r = VrJar.run(dir, "demo", "--procs", "1");
    assertThat(r.exit()).as(r.toString()).isZero();
    String where = r.out().lines().filter(l -> l.contains("everything lives in")).findFirst().orElseThrow();
    Path tmp = Path.of(where.replaceAll(".*everything lives in (\\S+) .*", "$1"));
    assertThat(tmp).doesNotExist();
  }

  static void assertStory(VrJar.Result r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    String out = r.out();
    List<String> chapters = List.of("== 1. build the app java_hello", "== 2. dispatch swarm java_hello-demo-web",
        "== 3. request each proc over HTTP", "== 4. change the config", "== 5. rename the config demo -> live",
        "== 6. vr ports and vr procs", "== 7. tear down");
    int at = -1;
    for (String c : chapters) {
      int i = out.indexOf(c);
      assertThat(i).as("chapter %s after the previous one in\n%s", c, r).isGreaterThan(at);
      at = i;
    }
    assertThat(out).contains("compiling 2 sources").contains("Plan: 3 to start")
        .contains("the runner's setup, uptest and teardown run inside this JVM");
    List<String> direct = out.lines().filter(l -> l.contains("-> 200 Hello from a vr Java app") && !l.contains("through"))
        .toList();
    assertThat(direct).hasSize(6);
    assertThat(direct.subList(0, 3)).allMatch(l -> l.endsWith(", in green"));
    assertThat(direct.subList(3, 6)).allMatch(l -> l.endsWith(", in blue"));
    assertThat(out).contains("3 to start (3 replace procs), 3 to stop");
    assertThat(out).contains("previous manifestation: config demo, now live");
    assertThat(out).contains("0 procs left; pool hello has 0 members");
    assertThat(out.lines().filter(l -> l.startsWith("run ") && l.contains(": done"))).hasSize(4);
  }

  /** The master is gone, and no worker still holds the port (a worker would accept the connection). */
  static void assertNginxIsGone(long pid, int port) {
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("nginx master %d alive", pid).isFalse();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      throw new AssertionError("something still accepts connections on nginx's port " + port);
    } catch (IOException refused) {
      // what we want: nothing listens there any more
    }
  }

  static void assertNothingRunsFrom(Path work) {
    String w = work.toString();
    List<String> left = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(w)).orElse(false))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
    assertThat(left).as("processes still running from %s", w).isEmpty();
    assertThat(Files.exists(work)).isTrue();
  }
}
