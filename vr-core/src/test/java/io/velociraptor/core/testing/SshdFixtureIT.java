package io.velociraptor.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.remote.JschCommandRunner;
import io.velociraptor.core.spi.Command;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SshdFixtureIT {

  @Test
  void closeStopsTheDaemonAndItsOpenConnectionsAndDeletesItsFiles() throws Exception {
    SshdFixture sshd = SshdFixture.start();
    List<ProcessHandle> processes;
    try (JschCommandRunner runner = sshd.runnerBuilder().build()) {
      assertThat(runner.run(Command.of("echo", "hi")).stdout()).isEqualTo("hi\n");
      ProcessHandle daemon = ProcessHandle.of(sshd.pid()).orElseThrow();
      processes = daemon.descendants().collect(Collectors.toList());
      processes.add(0, daemon);
      assertThat(processes).as("the daemon and the open session's sshd").hasSizeGreaterThan(1);
      sshd.close();
      for (ProcessHandle p : processes) {
        p.onExit().get(10, TimeUnit.SECONDS);
        assertThat(p.isAlive()).isFalse();
      }
      assertThat(sshd.dir()).doesNotExist();
    } finally {
      sshd.close();
    }
  }

  @Test
  void twoFixturesRunSideBySideOnDifferentPorts() {
    try (SshdFixture a = SshdFixture.start(); SshdFixture b = SshdFixture.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.hostKeyFingerprint()).isNotEqualTo(b.hostKeyFingerprint());
    }
  }
}
