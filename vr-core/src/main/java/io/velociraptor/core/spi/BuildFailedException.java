package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A build did not produce a build: a buildpack script failed or timed out, no buildpack
 * detected the app, the source could not be checked out, or the result was invalid. Carries the
 * app, version, the step that failed, the script's exit code, the tail of the build log and
 * where the whole log was saved.
 */
public class BuildFailedException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The app being built. */
  private final String app;
  /** The version being built. */
  private final String version;
  /** The step that failed. */
  private final String step;
  /** The failing script's exit code, or null. */
  private final Integer exitCode;
  /** The last log lines. */
  private final List<String> logTail;
  /** Where the whole log is, or null. */
  private final String logFile;

  /**
   * A failed build; the message names the app, version and step, and shows the log's last lines.
   *
   * @param app the app being built
   * @param version the version being built
   * @param step the step that failed ("checkout", "detect", "compile", "release", ...)
   * @param reason what went wrong, for a person
   * @param exitCode the failing script's exit code, if a script failed
   * @param logTail the last lines of the build log (may be empty)
   * @param logFile where the whole build log was saved, if it was
   * @param cause the underlying failure, or null
   */
  public BuildFailedException(
      String app,
      String version,
      String step,
      String reason,
      OptionalInt exitCode,
      List<String> logTail,
      Optional<Path> logFile,
      Throwable cause) {
    super(message(app, version, step, reason, logTail, logFile), cause);
    this.app = app;
    this.version = version;
    this.step = step;
    this.exitCode = exitCode.isPresent() ? exitCode.getAsInt() : null;
    this.logTail = List.copyOf(logTail);
    this.logFile = logFile.map(Path::toString).orElse(null);
  }

  private static String message(
      String app, String version, String step, String reason, List<String> tail, Optional<Path> log) {
    StringBuilder b = new StringBuilder();
    b.append("build of app '").append(app).append("' version '").append(version)
        .append("' failed in step ").append(step).append(": ").append(reason);
    log.ifPresent(p -> b.append(" (full log: ").append(p).append(')'));
    if (!tail.isEmpty()) {
      b.append("\n--- last ").append(tail.size()).append(" log lines ---");
      for (String line : tail) {
        b.append('\n').append(line);
      }
    }
    return b.toString();
  }

  /** The app being built. */
  public String app() {
    return app;
  }

  /** The version being built. */
  public String version() {
    return version;
  }

  /** The step that failed. */
  public String step() {
    return step;
  }

  /** The failing script's exit code, if a script failed. */
  public OptionalInt exitCode() {
    return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
  }

  /** The last lines of the build log, oldest first. */
  public List<String> logTail() {
    return logTail;
  }

  /** Where the whole build log was saved, if it was. */
  public Optional<Path> logFile() {
    return Optional.ofNullable(logFile).map(Path::of);
  }
}
