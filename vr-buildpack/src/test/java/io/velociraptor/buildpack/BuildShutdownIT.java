package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SIGTERM to a JVM in the middle of a compile: nothing of the compile may outlive it. */
class BuildShutdownIT {
  private BuildFixture fx;
  private final List<String> markers = new ArrayList<>();

  @AfterEach
  void tearDown() throws IOException {
    // a failed run must not leave its sleeps behind
    for (String m : markers) {
      processesMentioning(m).forEach(ProcessHandle::destroyForcibly);
    }
    if (fx != null) {
      fx.close();
    }
  }

  @ParameterizedTest(name = "route {0}")
  @ValueSource(strings = {"self", "user", "plain", "lxc"})
  @Timeout(180)
  void aSigtermMidCompileStopsTheWholeCompileTreeAndRemovesTheWorkDir(String route)
      throws Exception {
    Assumptions.assumeTrue(route.equals("self") || BuildFixture.isRoot(),
        "switching users needs root; CI runs as root");
    fx = new BuildFixture();
    String daemon = marker();
    String child = marker();
    // a grandchild that leaves the session and is orphaned at once, and a child that runs on
    Path bp = fx.buildpack("hang", "echo hang", String.join("\n",
        "sh -c 'setsid sleep " + daemon + " </dev/null >/dev/null 2>&1 &'",
        "sleep " + child + " </dev/null >/dev/null 2>&1 &",
        "echo \"started $1\"",
        "wait"), "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    Path src = fx.root.resolve("local-src");
    BuildFixture.writeFiles(src, Map.of("app.sh*", "echo hi\n"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        BuildShutdownProbe.class.getName(), fx.root.toString(), route, bp.toString(),
        src.toString()).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
        StandardCharsets.UTF_8))) {
      Path buildDir = null;
      for (String line; buildDir == null && (line = r.readLine()) != null; ) {
        output.add(line);
        if (line.startsWith("started /")) {
          buildDir = Path.of(line.substring("started ".length()));
        }
      }
      assertThat(buildDir).as("the compile started; JVM output: %s", output).isNotNull();
      Path work = buildDir.getParent();
      assertThat(work).isDirectory();
      // each seen once is enough: a process is briefly without a command line while it execs
      // (setsid becoming sleep), so reading again right away could miss one that runs
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      boolean daemonSeen = false;
      boolean childSeen = false;
      while (!(daemonSeen && childSeen) && System.nanoTime() < deadline) {
        daemonSeen |= !processesMentioning(daemon).isEmpty();
        childSeen |= !processesMentioning(child).isEmpty();
        if (!(daemonSeen && childSeen)) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
      }
      assertThat(daemonSeen).as("the setsid grandchild runs").isTrue();
      assertThat(childSeen).as("the child runs").isTrue();

      jvm.destroy(); // SIGTERM

      assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).as("the JVM exits").isTrue();
      try {
        r.lines().forEach(output::add);
      } catch (java.io.UncheckedIOException closed) {
        // the JVM's end closed the pipe under us; what was read is kept
      }
      assertThat(processesMentioning(daemon)).as("setsid grandchild; JVM output: %s", output)
          .isEmpty();
      assertThat(processesMentioning(child)).as("child of the compile").isEmpty();
      assertThat(processesMentioning(work.toString())).as("the compile script").isEmpty();
      assertThat(work).as("the build's work dir").doesNotExist();
      assertThat(fx.home.resolve("trash").resolve(work.getFileName())).doesNotExist();
      Path oneShots = fx.root.resolve("runtime/oneshot");
      if (Files.isDirectory(oneShots)) {
        try (Stream<Path> left = Files.list(oneShots)) {
          assertThat(left.toList()).as("one-shot directories of the runtime").isEmpty();
        }
      }
    } finally {
      jvm.destroyForcibly();
    }
  }

  /** A sleep duration no other process on the machine has on its command line. */
  private String marker() {
    String m = "300." + (1_000_000 + new SplittableRandom().nextInt(8_999_999));
    markers.add(m);
    return m;
  }

  /** Live (not zombie) processes whose command line contains {@code text}. */
  static List<ProcessHandle> processesMentioning(String text) throws IOException {
    List<ProcessHandle> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")),
              StandardCharsets.UTF_8).replace('\0', ' ');
          String stat = Files.readString(p.resolve("stat"));
          if (cmd.contains(text) && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
            ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(out::add);
          }
        } catch (IOException gone) {
          // it exited while we looked
        }
      }
    }
    return out;
  }
}
