package io.velociraptor.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start is QuickStart.java as it is (without its package line), so the code
 * a reader pastes is the code {@link QuickStartIT} runs.
 */
class ReadmeQuickStartTest {
  @Test
  void theReadmeQuickStartIsQuickStartJavaWordForWord() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    int section = readme.indexOf("## Quick start in Java");
    assertThat(section).as("the README's quick start section").isNotNegative();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    int end = readme.indexOf("```\n", start);
    String block = readme.substring(start, end);

    String source = Files.readString(Path.of("src/main/java/io/velociraptor/examples/quickstart/QuickStart.java"));
    String withoutPackage = source.substring(source.indexOf("\nimport ") + 1);
    assertThat(block).isEqualTo(withoutPackage);
  }
}
