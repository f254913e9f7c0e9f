package io.velociraptor.supervisor.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.supervisor.testing.ProcControllerContract;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedProcControllerContractTest extends ProcControllerContract {
  @TempDir Path dir;
  private EmbeddedProcController controller;
  private final Host host = Host.of("embedded-a");

  @BeforeEach
  void open() {
    controller = EmbeddedProcController.create(dir);
  }

  @Override
  protected void afterEachTest() {
    controller.close();
  }

  @Override
  protected ProcController controller() {
    return controller;
  }

  @Override
  protected Host host() {
    return host;
  }

  @Override
  protected Path logDir() {
    return dir;
  }

  @Test
  void aSpecForAnotherUserIsRejectedByName() {
    String other = "root".equals(System.getProperty("user.name")) ? "nobody" : "root";
    assertThatThrownBy(() -> controller.install(host, program("u", "exec sleep 1").user(other).build()))
        .isInstanceOf(ProcControlException.class).hasMessageContaining(other);
  }
}
