package io.velociraptor.lxc;

import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The runner session tests with the host reached over SSH ({@link
 * io.velociraptor.core.remote.JschCommandRunner} to a private sshd on 127.0.0.1): the session
 * is an exec channel held open on the host's one SSH session.
 */
class SshRunnerSessionIT extends PlainRunnerSessionIT {
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

  @Override
  CommandRunner host(Path root) {
    org.junit.jupiter.api.Assumptions.assumeTrue(sshd != null, "needs root and sshd");
    return sshd.runnerBuilder().root(root.toString()).build();
  }
}
