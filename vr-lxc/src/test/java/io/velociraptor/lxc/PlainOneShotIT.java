package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One-shot commands as plain processes on this machine. */
class PlainOneShotIT extends OneShotContract {
  @Override
  ContainerRuntime runtime(String root) {
    return RunnerInstall.builder().root(Path.of(root)).runtime(RuntimeKind.PLAIN).build().plainRuntime(Duration.ofMinutes(1));
  }

  @Override
  CommandRunner runner(Path root) {
    return LocalCommandRunner.builder().root(root).build();
  }

  @Test
  void aWorkingDirectoryThatDoesNotExistIsExit126NamingIt() {
    CommandResult r = run(job("/bin/true").workingDir(root.resolve("missing dir").toString()));
    assertThat(r.exitCode()).isEqualTo(126);
    assertThat(r.stderr()).contains(root.resolve("missing dir").toString());
  }

  @Test
  void runsWithoutSupplementaryGroupsOfTheRunner() {
    CommandResult r = run(job("/usr/bin/id", "-G"));
    assertThat(r.stdout().strip().split(" ")).doesNotContain("0");
  }
}
