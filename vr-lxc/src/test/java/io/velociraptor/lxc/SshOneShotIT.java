package io.velociraptor.lxc;

import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The one-shot contract through a private sshd and {@link
 * io.velociraptor.core.remote.JschCommandRunner}: every value crosses an SSH command line.
 */
class SshOneShotIT {
  private static SshdFixture sshd;

  @BeforeAll
  static void startSshd() {
    if (Fixtures.isRoot() && SshdFixture.available()) {
      sshd = SshdFixture.start();
    }
  }

  @AfterAll
  static void stopSshd() {
    if (sshd != null) {
      sshd.close();
    }
  }

  static CommandRunner overSsh(Path root) {
    org.junit.jupiter.api.Assumptions.assumeTrue(sshd != null, "needs root and sshd");
    return sshd.runnerBuilder().root(root.toString()).build();
  }

  @Nested
  class Lxc extends OneShotContract {
    @Override
    ContainerRuntime runtime(String root) {
      return RunnerInstall.builder().root(Path.of(root)).runtime(RuntimeKind.LXC).build().lxcRuntime(Duration.ofMinutes(1));
    }

    @Override
    CommandRunner runner(Path root) {
      return overSsh(root);
    }
  }

  @Nested
  class Plain extends OneShotContract {
    @Override
    ContainerRuntime runtime(String root) {
      return RunnerInstall.builder().root(Path.of(root)).runtime(RuntimeKind.PLAIN).build().plainRuntime(Duration.ofMinutes(1));
    }

    @Override
    CommandRunner runner(Path root) {
      return overSsh(root);
    }
  }
}
