package io.velociraptor.core.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The doclet finds each kind of missing summary, and accepts what javadoc fills in itself. */
class JavadocSummaryDocletTest {
  private static final Path SAMPLE = Path.of("src/test/resources/javadoc-summary");

  @Test
  void listsEveryPublicElementWithoutASummarySentenceWithItsLine() {
    assertThat(JavadocSummary.offenders(SAMPLE, JavadocSummary.testClasspath(), Set.of()))
        .containsExactly(
            "src/test/resources/javadoc-summary/sample/Hidden.java:5 method sample.Hidden.undocumentedShown() (shown on its public subclasses' pages)",
            "src/test/resources/javadoc-summary/sample/Sample.java:8 method sample.Sample.onlyReturnTag()",
            "src/test/resources/javadoc-summary/sample/Sample.java:13 method sample.Sample.undocumented()",
            "src/test/resources/javadoc-summary/sample/Sample.java:22 record component sample.Sample.Pair.size (no @param in the record's comment)",
            "src/test/resources/javadoc-summary/sample/Sample.java:26 constructor sample.Sample.Impl.Impl()",
            "src/test/resources/javadoc-summary/sample/Sample.java:28 method sample.Sample.Impl.onlyReturnTag()",
            "src/test/resources/javadoc-summary/sample/Sample.java:38 method sample.Sample.Impl.undocumented()",
            "src/test/resources/javadoc-summary/sample/Sample.java:46 method sample.Sample.Impl.close()",
            "src/test/resources/javadoc-summary/sample/Sample.java:49 method sample.Sample.Impl.toString()",
            "src/test/resources/javadoc-summary/sample/Sample.java:59 type sample.Sample.Colour",
            "src/test/resources/javadoc-summary/sample/Sample.java:62 field sample.Sample.Colour.GREEN");
  }

  @Test
  void skipsExcludedFiles() {
    assertThat(JavadocSummary.offenders(SAMPLE, JavadocSummary.testClasspath(), Set.of("sample/Sample.java", "sample/Hidden.java", "sample/Visible.java"))).isEmpty();
  }

  @Test
  void failsWithJavadocsErrorsWhenItCannotReadTheSources() {
    assertThatThrownBy(() -> JavadocSummary.offenders(Path.of("src/test/resources/javadoc-summary-broken"),
        JavadocSummary.testClasspath(), Set.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Broken.java")
        .hasMessageContaining("NoSuchType");
  }
}
