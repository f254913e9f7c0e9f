package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dead run that a dispatch reclaims is reported once, with the port locks it held. */
class ReclaimMessageTest {
  @TempDir Path tmp;

  @Test
  void aReclaimedRunIsOneWarningNamingItsLocks() throws Exception {
    Path config = CliConfigFixture.in(tmp).deadSupervisorPort().portRange("5000-5010").write();
    Path file = tmp.resolve("swarm.yaml");
    Files.writeString(file, "app: app1\nversion: \"1\"\nconfig: prod\nproc: web\nsquad: s\nsize: 1\n");
    Swarm swarm = SwarmFile.read(file, Optional.empty()).swarm();
    Process owner = new ProcessBuilder("cat").start(); // lives until it is destroyed
    String runId;
    try (FileStore s = FileStore.open(tmp.resolve("store"))) {
      s.putSwarm(swarm);
      runId = ((BeginRun.Started) s.tryBeginRun(swarm.id(), "t", RunOwners.of(owner.toHandle()))).run().id();
      s.reserve(HostName.of("h1"), List.of(Port.of(5001), Port.of(5002)), runId);
    }
    owner.destroy();
    owner.waitFor();

    InProcess.Result r = InProcess.run("--config", config.toString(), "swarm", "delete", swarm.name());

    List<String> about = r.err().lines().filter(l -> l.contains(runId)).toList();
    assertThat(about).as(r.toString()).singleElement().asString().contains("reclaimed run " + runId)
        .contains("has exited").contains("h1:5001, h1:5002");
  }
}
