package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.arch.JavadocSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every public type and member of vr-lxc has a summary sentence in its javadoc ({@link JavadocSummary}). */
class JavadocSummaryTest {
  // TEMPORARY, for the lead to remove after merging issue 14: these files are being moved or
  // rewritten by other branches right now, so this branch does not edit them.
  private static final Set<String> EXCLUDED = Set.of(
      "io/velociraptor/lxc/LocalExec.java",
      "io/velociraptor/lxc/Files2.java",
      "io/velociraptor/lxc/RunnerLauncher.java",
      "io/velociraptor/lxc/PlainContainerRuntime.java",
      "io/velociraptor/lxc/RunnerConfig.java",
      "io/velociraptor/lxc/RuntimeSettings.java");

  @Test
  void everyPublicElementOfVrLxcHasASummarySentence() {
    List<String> offenders = JavadocSummary.offenders(Path.of("src/main/java"), JavadocSummary.testClasspath(), EXCLUDED);

    assertThat(offenders).as(JavadocSummary.describe(offenders)).isEmpty();
  }
}
