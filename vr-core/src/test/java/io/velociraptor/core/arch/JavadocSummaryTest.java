package io.velociraptor.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every public type and member of vr-core has a summary sentence in its javadoc ({@link JavadocSummary}). */
class JavadocSummaryTest {
  // TEMPORARY, for the lead to remove after merging issue 14: the Procfile parser is being
  // reworked by another branch right now, so this branch does not edit it.
  private static final Set<String> EXCLUDED = Set.of(
      "io/velociraptor/core/model/Procfile.java",
      "io/velociraptor/core/model/InvalidProcfileException.java");

  @Test
  void everyPublicElementOfVrCoreHasASummarySentence() {
    List<String> offenders = JavadocSummary.offenders(Path.of("src/main/java"), JavadocSummary.testClasspath(), EXCLUDED);

    assertThat(offenders).as(JavadocSummary.describe(offenders)).isEmpty();
  }
}
