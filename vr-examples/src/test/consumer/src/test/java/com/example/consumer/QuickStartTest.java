package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.model.PortRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, pasted into this project as QuickStart.java, builds, runs and removes its procs. */
class QuickStartTest {
  @TempDir
  Path dir;

  @Test
  void theReadmeQuickStartRunsAsPasted() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = Integer.parseInt(System.getProperty("consumer.ports", "18100"));
    DispatchResult result = QuickStart.run(dir, PortRange.of(base, base + 9));
    assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
    assertThat(result.plan().orElseThrow().stops()).as("the delete retires both procs").hasSize(2);
  }
}
