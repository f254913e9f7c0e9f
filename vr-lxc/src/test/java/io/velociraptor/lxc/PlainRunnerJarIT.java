package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The plain runtime's contract (setup, run, uptest, teardown) with the runner installed from the
 * shaded runner jar alone (target/vr-lxc-*-runner.jar, made at package, before this runs): the
 * launcher's classpath is {@code <root>/lib/vr-runner.jar} and nothing of this JVM's class path,
 * so a dependency missing from the jar fails setup, uptest or teardown.
 */
class PlainRunnerJarIT extends PlainContainerRuntimeIT {
  static Path runnerJar() {
    String jar = System.getProperty("vr.runner.jar");
    if (jar == null) {
      throw new IllegalStateException("vr.runner.jar is not set: run this through Maven (failsafe sets it"
          + " to the runner jar that `package` made)");
    }
    return Path.of(jar);
  }

  @Override
  RunnerInstall.Builder classpath(RunnerInstall.Builder b) {
    return b.runnerJar(runnerJar());
  }

  @Test
  void theLauncherRunsTheRunnerFromTheUploadedJarOnly() throws IOException {
    assertThat(root.resolve("lib/vr-runner.jar")).hasSameBinaryContentAs(runnerJar());
    String script = Files.readString(launcher);
    assertThat(script).contains(" -cp '" + root + "/lib/vr-runner.jar' io.velociraptor.lxc.RunnerMain ");
    assertThat(script).doesNotContain("target/classes").doesNotContain("/.m2/");
  }
}
