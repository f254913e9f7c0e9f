package io.velociraptor.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Golden-file assertions: compares text with {@code src/test/resources/golden/<name>}. Run with
 * {@code -Dvr.golden.update=true} to rewrite the files after an intended change, then review the
 * diff before committing it.
 */
public final class Golden {
  private Golden() {}

  /**
   * @param name the golden file's name
   * @param actual the text produced now
   */
  public static void assertMatches(String name, String actual) {
    Path file = Paths.get("src", "test", "resources", "golden", name);
    try {
      if (Boolean.getBoolean("vr.golden.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
      }
      assertThat(file).as("golden file %s (rerun with -Dvr.golden.update=true to create or update it)", file).exists();
      assertThat(actual).as("output compared with golden file %s", file).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param name a golden file's name
   * @return its text
   */
  public static String read(String name) {
    try {
      return Files.readString(Paths.get("src", "test", "resources", "golden", name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
