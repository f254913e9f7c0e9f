package io.velociraptor.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.examples.ExampleFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, as written: it builds, dispatches 2 uptested procs and removes them. */
class QuickStartIT {
  @TempDir
  Path dir;

  @Test
  void buildsDispatchesTwoUptestedProcsAndRemovesThem() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = ExampleFiles.freePortBlock(10);
    DispatchResult result = QuickStart.run(dir, PortRange.of(base, base + 9));
    assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
    assertThat(result.plan().orElseThrow().stops()).as("the delete retires both procs").hasSize(2);
    try (FileStore store = FileStore.open(dir.resolve("store"))) {
      List<SwarmRun> runs = store.history(SwarmId.of("hellowww"));
      assertThat(runs).extracting(SwarmRun::state).containsExactly(RunState.DONE, RunState.DONE);
      assertThat(runs.get(0).steps()).filteredOn(s -> s.name().equals("uptest")).hasSize(2)
          .allMatch(s -> s.outcome() == RunStep.Outcome.OK);
    }
  }
}
