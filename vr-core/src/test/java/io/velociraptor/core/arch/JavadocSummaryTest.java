package io.velociraptor.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every public type and member of vr-core has a summary sentence in its javadoc ({@link JavadocSummary}). */
class JavadocSummaryTest {
  @Test
  void everyPublicElementOfVrCoreHasASummarySentence() {
    List<String> offenders = JavadocSummary.offenders(Path.of("src/main/java"), JavadocSummary.testClasspath(), Set.of());

    assertThat(offenders).as(JavadocSummary.describe(offenders)).isEmpty();
  }
}
