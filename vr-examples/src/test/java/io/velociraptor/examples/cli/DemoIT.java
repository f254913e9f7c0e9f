package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr demo} end to end through the real jar: embedded (what a machine with only a JDK
 * runs) and with real components ({@code --real}: private supervisord, LXC as root). Each tells
 * the whole story, exits 0 and leaves no process behind.
 */
class DemoIT {
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
    assertThat(r.out()).contains("the embedded supervisor (in this JVM)").contains("plain processes");
    assertNothingRunsFrom(work);
    assertThat(work.resolve("store/swarms")).isEmptyDirectory();
  }

  @Test
  void theRealDemoUsesPrivateSupervisordsAndLeavesNothingRunning() throws Exception {
    Path work = dir.resolve("work");
    VrJar.Result r = VrJar.run(dir, "demo", "--real", "--dir", work.toString());
    assertStory(r);
    assertThat(r.out()).contains("3 private supervisord instances");
    if ("root".equals(System.getProperty("user.name"))) {
      assertThat(r.out()).contains("as LXC containers");
    }
    assertNothingRunsFrom(work);
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
    assertThat(out).contains("compiling 2 sources").contains("Plan: 3 to start");
    assertThat(out.lines().filter(l -> l.contains("-> 200 Hello from a vr Java app"))).hasSize(6);
    assertThat(out).contains("3 to start (3 replace procs), 3 to stop");
    assertThat(out).contains("previous manifestation: config demo, now live");
    assertThat(out).contains("0 procs left; pool hello has 0 members");
    assertThat(out.lines().filter(l -> l.startsWith("run ") && l.contains(": done"))).hasSize(4);
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
