package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProgramSpec;
import io.velociraptor.supervisor.testing.ProcControllerContract;
import io.velociraptor.supervisor.testing.SupervisordExtension;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SupervisorProcControllerIT extends ProcControllerContract {
  @RegisterExtension static final SupervisordExtension SUPERVISORD = new SupervisordExtension();
  private static LocalCommandRunner runner;
  private static SupervisorProcController controller;
  private static Host host;

  @BeforeAll
  static void wire() {
    SupervisordFixture f = SUPERVISORD.fixture();
    runner = LocalCommandRunner.builder().root(f.dir()).build();
    host = Host.builder().name(HostName.of("host-a")).address("127.0.0.1").supervisorPort(f.port()).build();
    controller = SupervisorProcController.builder()
        .endpoints(SupervisorEndpoints.builder().credentials(f.username(), f.password()).build())
        .commandRunners(h -> runner)
        .includeDir(f.includeDir().toString())
        .build();
  }

  @AfterAll
  static void unwire() {
    if (controller != null) {
      controller.close();
    }
    if (runner != null) {
      runner.close();
    }
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
    return SUPERVISORD.fixture().dir();
  }

  @Test
  void installWritesTheProgramFileAndRemoveDeletesIt() {
    ProgramSpec spec = program("file", "exec sleep 1000").build();
    Path file = SUPERVISORD.fixture().includeDir().resolve(spec.name() + ".conf");
    controller.install(host, spec);
    assertThat(file).exists().content().isEqualTo(ProgramSection.render(spec));
    controller.remove(host, name(spec));
    assertThat(file).doesNotExist();
  }

  @Test
  void aSpecNamingAUserThatDoesNotExistIsRejectedAndLeavesNoFileBehind() {
    ProgramSpec spec = program("nouser", "exec sleep 1000").user("no_such_user_vr").build();
    assertThatThrownBy(() -> controller.install(host, spec)).isInstanceOfSatisfying(ProcControlException.class, e -> {
      assertThat(e.reason()).isEqualTo(ProcControlException.Reason.REJECTED);
      assertThat(e.getMessage()).contains("no_such_user_vr").contains("host-a");
    });
    assertThat(SUPERVISORD.fixture().includeDir().resolve(spec.name() + ".conf")).doesNotExist();
    // the host's configuration still reads
    assertThat(controller.client(host).reloadConfig()).isNotNull();
  }

  @Test
  void aHostWhoseSupervisordIsGoneIsUnreachableNotEmpty() throws Exception {
    Host gone;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      gone = Host.builder().name(HostName.of("host-gone")).address("127.0.0.1").supervisorPort(s.getLocalPort()).build();
    }
    Host target = gone;
    assertThatThrownBy(() -> controller.procs(target)).isInstanceOfSatisfying(ProcControlException.class, e -> {
      assertThat(e.reason()).isEqualTo(ProcControlException.Reason.UNREACHABLE);
      assertThat(e.getMessage()).contains("host-gone");
    });
    assertThat(Files.exists(SUPERVISORD.fixture().includeDir())).isTrue();
  }
}
