package io.velociraptor.testkit;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * For tests that fail properties on purpose: failing cases are remembered in a directory of the
 * test's own, so that they are not tried first by the next run of the real properties.
 */
abstract class PrivateFailureMemory {
  @TempDir Path memory;

  @BeforeEach
  void rememberInATemporaryDirectory() {
    System.setProperty("vr.property.failures", memory.toString());
  }

  @AfterEach
  void forgetTheDirectory() {
    System.clearProperty("vr.property.failures");
  }
}
