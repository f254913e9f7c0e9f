package io.velociraptor.buildpack;

import io.velociraptor.core.VrException;

/**
 * A file the build reads ({@code .slugignore}, a buildpack's release YAML) or a value it was given
 * is malformed. Names the file, the line (when there is one) and the bad value. A malformed
 * Procfile is vr-core's {@link io.velociraptor.core.model.InvalidProcfileException}.
 */
public final class InvalidBuildInputException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The malformed file or input. */
  private final String source;
  /** The 1-based line, or 0. */
  private final int line;
  /** The offending text. */
  private final String badValue;

  InvalidBuildInputException(String source, int line, String badValue, String problem) {
    super(source + (line > 0 ? " line " + line : "") + ": " + problem + " (got '" + badValue + "')");
    this.source = source;
    this.line = line;
    this.badValue = badValue;
  }

  /** The file or input that is malformed (".slugignore", ...). */
  public String source() {
    return source;
  }

  /** The 1-based line number, or 0 when the problem is not on one line. */
  public int line() {
    return line;
  }

  /** The offending text. */
  public String badValue() {
    return badValue;
  }
}
