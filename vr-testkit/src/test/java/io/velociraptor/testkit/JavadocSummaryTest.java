package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.arch.JavadocSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every public type and member of vr-testkit has a summary sentence in its javadoc ({@link JavadocSummary}). */
class JavadocSummaryTest {
  @Test
  void everyPublicElementOfVrTestkitHasASummarySentence() {
    List<String> offenders = JavadocSummary.offenders(Path.of("src/main/java"), JavadocSummary.testClasspath(), Set.of());

    assertThat(offenders).as(JavadocSummary.describe(offenders)).isEmpty();
  }
}
