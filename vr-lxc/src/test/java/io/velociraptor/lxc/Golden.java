package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares text with {@code src/test/resources/golden/<name>}. Run with
 * {@code -Dvr.golden.update=true} to rewrite the files, then review the diff.
 */
final class Golden {
  private static final Path DIR = Path.of("src/test/resources/golden");

  private Golden() {}

  static void assertMatches(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("vr.golden.update")) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual);
      }
      assertThat(actual).as("golden file %s", file).isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
