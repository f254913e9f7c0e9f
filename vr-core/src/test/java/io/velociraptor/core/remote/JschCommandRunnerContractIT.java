package io.velociraptor.core.remote;

import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.testkit.CommandRunnerContract;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The runner contract over a real, private sshd on 127.0.0.1. */
class JschCommandRunnerContractIT extends CommandRunnerContract {
  private static SshdFixture sshd;

  @TempDir Path root;
  private Path scratch;
  private JschCommandRunner runner;

  @BeforeAll
  static void startSshd() {
    sshd = SshdFixture.start();
  }

  @AfterAll
  static void stopSshd() {
    if (sshd != null) {
      sshd.close();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    scratch = Files.createDirectory(root.resolve("scratch"));
    runner = sshd.runnerBuilder().root(root.toString()).build();
  }

  @AfterEach
  void disconnect() {
    runner.close();
  }

  @Override
  protected CommandRunner runner() {
    return runner;
  }

  @Override
  protected Path scratch() {
    return scratch;
  }
}
