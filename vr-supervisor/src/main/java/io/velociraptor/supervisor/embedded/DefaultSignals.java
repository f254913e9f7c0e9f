package io.velociraptor.supervisor.embedded;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Spawns programs with every signal at its default disposition, as supervisord's children get
 * them. A JVM started with SIGINT or SIGHUP ignored ({@code nohup}, a background job of a shell
 * without job control) passes that on to its children, and Java cannot reset it itself, so
 * programs are exec'd through {@code env --default-signal} (GNU coreutils 8.31 or later).
 */
final class DefaultSignals {
  private final Optional<String> env;

  private DefaultSignals(Optional<String> env) {
    this.env = env;
  }

  /** @return a spawner that uses {@code env --default-signal} if this machine's env has it */
  static DefaultSignals probe() {
    Optional<String> env = onPath("env").map(Path::toString).filter(DefaultSignals::supportsDefaultSignal);
    return new DefaultSignals(env);
  }

  /** @return whether programs get default signal dispositions */
  boolean available() {
    return env.isPresent();
  }

  private static boolean supportsDefaultSignal(String env) {
    try {
      Process p = new ProcessBuilder(env, "--default-signal", "true").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * @param argv the program's command line
   * @param directory its working directory, if not the JVM's
   * @return the command line to spawn
   * @throws IOException naming the command if it is not an executable file (supervisord's "can't
   *     find command"), found on the JVM's PATH as Java itself would
   */
  List<String> command(List<String> argv, Optional<Path> directory) throws IOException {
    if (env.isEmpty()) {
      return argv;
    }
    String cmd = argv.get(0);
    Path exe;
    if (cmd.contains("/")) {
      exe = directory.map(d -> d.resolve(cmd)).orElse(Path.of(cmd));
      if (!Files.isRegularFile(exe) || !Files.isExecutable(exe)) {
        throw new IOException("command " + cmd + " is not an executable file");
      }
      exe = Path.of(cmd);
    } else {
      exe = onPath(cmd).orElseThrow(() -> new IOException("cannot find command " + cmd + " on the PATH"));
    }
    List<String> out = new ArrayList<>(List.of(env.get(), "--default-signal"));
    if (exe.toString().contains("=")) {
      // env takes a first operand with '=' for an assignment: let a shell exec the command instead
      out.addAll(List.of("/bin/sh", "-c", "exec \"$0\" \"$@\""));
    }
    out.add(exe.toString());
    out.addAll(argv.subList(1, argv.size()));
    return out;
  }

  private static Optional<Path> onPath(String cmd) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, cmd);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
