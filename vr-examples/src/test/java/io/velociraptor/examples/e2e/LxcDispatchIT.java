package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.lxc.RuntimeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same dispatch with each proc in an LXC container (host root, host network), one over SSH. */
class LxcDispatchIT {
  static E2eWorld world;

  @BeforeAll
  static void startWorld() {
    assumeTrue(E2eWorld.isRoot(), "LXC containers need root (CI runs as root)");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/lxc-execute")), "LXC is not installed (.ci/run installs it)");
    world = E2eWorld.start(RuntimeKind.LXC);
  }

  @AfterAll
  static void stopWorld() {
    if (world != null) {
      world.close();
    }
  }

  @Test
  void procsInLxcContainersAreRoutedSwappedAndDeletedLeavingNoContainer() {
    try (Dispatcher d = world.dispatcher()) {
      Swarm v1 = world.swarm("lxcc", 3).build();
      assertSucceeded(d.dispatch(v1), world);
      assertConverged(world, d, v1, "v1 in containers");
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
      assertThat(lxcExecutes()).as("each proc runs under lxc-execute").hasSize(3);

      Swarm v2 = world.swarm("lxcc", 3).version(Version.of("v2")).build();
      assertSucceeded(d.dispatch(v2), world);
      assertConverged(world, d, v2, "v2 in containers");
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v2\n");

      assertDeletedCleanly(world, d, v2);
      assertThat(lxcExecutes()).as("no container is left running").isEmpty();
    }
  }

  /** @return the command lines of lxc-execute processes working in this world's apps roots */
  private static List<String> lxcExecutes() {
    List<String> roots = world.hosts.stream().map(h -> h.apps().toString()).toList();
    return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains("lxc-execute") && roots.stream().anyMatch(c::contains)).toList();
  }
}
