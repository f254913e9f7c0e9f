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

  @Test
  void serveAnswersEachRequestAsTheOneShotCommandWouldHaveExited() {
    String yaml = "/etc/proc.yaml";
    assertThat(run("--root", "/apps", "--runtime", "plain", "teardown", yaml)).isEqualTo(1);
    String oneShot = err.toString(StandardCharsets.UTF_8).strip();
    assertThat(oneShot).startsWith("ERROR: ");
    out.reset();
    err.reset();
    String requests = "{\"id\":1,\"op\":\"teardown\",\"yaml\":\"" + yaml + "\",\"timeout_ms\":60000}\n";
    int exit = RunnerMain.execute(new String[] {"--root", "/apps", "--runtime", "plain", "serve"},
        new java.io.ByteArrayInputStream(requests.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(exit).isZero(); // at the end of its input
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).isEqualTo(RunnerServe.HELLO);
    assertThat(lines[1]).isEqualTo("{\"id\":1,\"ok\":false,\"exit_code\":1,\"output\":\"\",\"error\":"
        + io.velociraptor.core.json.VrJson.json().valueToTree(oneShot.substring("ERROR: ".length())) + "}");
  }
}
