package io.velociraptor.core.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** A buildpack script ran longer than its time limit and was killed with all its children. */
public class BuildTimeoutException extends BuildFailedException {
  private static final long serialVersionUID = 1L;

  /** The limit that was exceeded. */
  private final Duration timeout;

  /**
   * A build that ran past its timeout; the message names the app, version, step and timeout.
   *
   * @param app the app being built
   * @param version the version being built
   * @param step the step that timed out
   * @param timeout the limit that was exceeded
   * @param logTail the last lines of the build log
   * @param logFile where the whole build log was saved, if it was
   */
  public BuildTimeoutException(
      String app,
      String version,
      String step,
      Duration timeout,
      List<String> logTail,
      Optional<Path> logFile) {
    super(app, version, step, "timed out after " + timeout + " and was killed; raise the "
        + step + " timeout or make the buildpack faster", OptionalInt.empty(), logTail, logFile,
        null);
    this.timeout = timeout;
  }

  /** The limit that was exceeded. */
  public Duration timeout() {
    return timeout;
  }
}
