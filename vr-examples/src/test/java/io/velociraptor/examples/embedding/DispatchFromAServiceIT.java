package io.velociraptor.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.examples.ExampleFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DispatchFromAServiceIT {
  @TempDir
  Path dir;

  @Test
  void theServiceBuildsDispatchesAndDeletesItsSwarm() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = ExampleFiles.freePortBlock(10);
    DispatchResult result = DispatchFromAService.run(dir, PortRange.of(base, base + 10));
    assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
    assertThat(result.plan().orElseThrow().stops()).hasSize(2);
  }
}
