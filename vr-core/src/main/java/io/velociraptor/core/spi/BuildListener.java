package io.velociraptor.core.spi;

/**
 * Receives a build's progress as it happens: one call per log line of the buildpack scripts
 * (detect, compile, release) and one per step the backend starts. Called from the building
 * thread; implementations must be quick and must not throw.
 */
public interface BuildListener {

  /** A listener that ignores everything. */
  BuildListener NONE = new BuildListener() {
    @Override
    public void onLine(String line) {}
  };

  /**
   * One line of build output (stdout and stderr merged), without its line terminator.
   *
   * @param line the line
   */
  void onLine(String line);

  /**
   * The backend starts a step ("checkout", "detect", "compile", "release", "slugignore",
   * "tarball", "store"). The default does nothing.
   *
   * @param step the step name
   * @param detail what the step works on (a URL, a buildpack name), may be empty
   */
  default void onStep(String step, String detail) {}
}
