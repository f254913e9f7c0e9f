package io.velociraptor.core.remote;

import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.testkit.CommandRunnerContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class LocalCommandRunnerContractTest extends CommandRunnerContract {
  @TempDir Path root;
  private Path scratch;
  private LocalCommandRunner runner;

  @BeforeEach
  void start() throws Exception {
    scratch = java.nio.file.Files.createDirectory(root.resolve("scratch"));
    runner = LocalCommandRunner.builder().root(root).build();
  }

  @AfterEach
  void stop() {
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
