package io.velociraptor.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@link FileStoreChild} (or another child main) in a new JVM with this test run's classpath. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(Path log, String... args) {
    return start(FileStoreChild.class, java.util.Map.of(), log, args);
  }

  static Process start(Class<?> main, java.util.Map<String, String> env, Path log, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> argv = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath,
        main.getName()));
    argv.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectError(log.toFile());
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
