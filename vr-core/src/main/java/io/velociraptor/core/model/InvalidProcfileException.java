package io.velociraptor.core.model;

import io.velociraptor.core.VrException;

/**
 * A Procfile (or a map of process types held to the same rules) is malformed. Names the line,
 * when there is one, and the bad text.
 */
public final class InvalidProcfileException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The 1-based line, or 0. */
  private final int line;
  /** The offending text. */
  private final String badValue;
  /** What is wrong with it. */
  private final String problem;

  InvalidProcfileException(int line, String badValue, String problem) {
    super("Procfile" + (line > 0 ? " line " + line : "") + ": " + problem + " (got '" + badValue
        + "')");
    this.line = line;
    this.badValue = badValue;
    this.problem = problem;
  }

  /** The 1-based line number, or 0 when the problem is not on one line. */
  public int line() {
    return line;
  }

  /** The offending text. */
  public String badValue() {
    return badValue;
  }

  /** What is wrong, without the line and the bad value. */
  public String problem() {
    return problem;
  }
}
