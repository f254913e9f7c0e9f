package io.velociraptor.supervisor.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded supervisor in a JVM started with SIGINT and SIGHUP ignored (as under {@code nohup}
 * or as a background job of a shell without job control): its programs still get the default
 * dispositions, so a program whose stop signal is INT or HUP can trap it.
 */
class EmbeddedProcControllerIgnoredSignalsTest {
  @TempDir Path dir;

  @Test
  void programsOfAJvmThatIgnoresIntAndHupCanTrapThem() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = dir.resolve("probe.out");
    // the shell ignores the signals and the exec'd JVM inherits that, like a `cmd &` in a script
    Process p = new ProcessBuilder("/bin/sh", "-c", "trap '' INT HUP; exec \"$@\"", "sh",
        java, "-cp", System.getProperty("java.class.path"), IgnoredSignalsProbe.class.getName(), dir.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(out);
    assertThat(done).as("the probe finished: %s", output).isTrue();
    assertThat(p.exitValue()).as("the probe's exit status; output:%n%s", output).isZero();
    assertThat(output.lines().filter(l -> l.contains("trapped")).toList())
        .as(output).isEqualTo(List.of("trapped INT", "trapped HUP"));
  }
}
