package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RunnerMainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return RunnerMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void anUnknownCommandIsAUsageErrorNamingTheCommands() {
    assertThat(run("--root", "/apps", "explode", "/apps/procs/x/proc.yaml")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("setup, run, uptest, teardown, shell")
        .contains("explode");
    assertThat(out.size()).isZero();
  }

  @Test
  void aMissingArgumentPrintsUsage() {
    assertThat(run("setup")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: vr-runner");
  }

  @Test
  void aBadOptionValueIsAUsageError() {
    assertThat(run("--network", "bridge", "setup", "/apps/procs/x/proc.yaml")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("bridge");
  }

  @Test
  void aProcYamlOutsideTheRootFailsWithAMessageNotAStackTrace() {
    assertThat(run("--root", "/apps", "setup", "/etc/proc.yaml")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("ERROR: proc.yaml path \"/etc/proc.yaml\"");
  }
}
