package io.velociraptor.core.spi;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a command did: exit code, captured stdout and stderr (UTF-8, kept separate, each capped
 * at the command's {@link Command#outputLimit() output limit}), whether either was truncated,
 * whether it timed out, and how long it took. Immutable.
 */
public final class CommandResult {

  /** The exit code reported when the command was killed because it timed out. */
  public static final int TIMED_OUT_EXIT_CODE = -1;

  private final int exitCode;
  private final String stdout;
  private final String stderr;
  private final boolean stdoutTruncated;
  private final boolean stderrTruncated;
  private final boolean timedOut;
  private final Duration duration;

  private CommandResult(Builder b) {
    this.exitCode = b.timedOut ? TIMED_OUT_EXIT_CODE : b.exitCode;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.stdoutTruncated = b.stdoutTruncated;
    this.stderrTruncated = b.stderrTruncated;
    this.timedOut = b.timedOut;
    this.duration = b.duration;
  }

  /**
   * A builder; runners and test doubles use it.
   *
   * @return a new builder with exit code 0, empty output and zero duration
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the exit code: 0 for success; 128 + n when killed by signal n; 127 when the program was
   * not found, 126 when it (or the working directory) could not be used; {@link
   * #TIMED_OUT_EXIT_CODE} when it timed out.
   *
   * @return the exit code: 0 for success; 128 + n when killed by signal n; 127 when the program
   *     was not found, 126 when it (or the working directory) could not be used;
   *     {@link #TIMED_OUT_EXIT_CODE} when it timed out
   */
  public int exitCode() {
    return exitCode;
  }

  /** The captured standard output, decoded as UTF-8. */
  public String stdout() {
    return stdout;
  }

  /** The captured standard error, decoded as UTF-8. */
  public String stderr() {
    return stderr;
  }

  /** Whether stdout was longer than the output limit and cut. */
  public boolean stdoutTruncated() {
    return stdoutTruncated;
  }

  /** Whether stderr was longer than the output limit and cut. */
  public boolean stderrTruncated() {
    return stderrTruncated;
  }

  /** Whether the command was killed because it ran past its timeout. */
  public boolean timedOut() {
    return timedOut;
  }

  /** The time from starting the command to collecting its exit. */
  public Duration duration() {
    return duration;
  }

  /** Whether the command exited with 0 within its timeout. */
  public boolean succeeded() {
    return exitCode == 0 && !timedOut;
  }

  /**
   * The last lines of stderr, for error messages.
   *
   * @param maxLines how many lines at most
   * @return up to {@code maxLines} last non-empty-trailing lines of stderr, joined by newlines
   * @throws IllegalArgumentException if {@code maxLines} is negative
   */
  public String stderrTail(int maxLines) {
    if (maxLines < 0) {
      throw new IllegalArgumentException("maxLines must not be negative: " + maxLines);
    }
    List<String> lines = Arrays.asList(stderr.stripTrailing().split("\n", -1));
    if (stderr.isBlank()) {
      return "";
    }
    return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
  }

  /**
   * Whether {@code o} is a result with the same exit code, output, truncation, timeout and
   * duration.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CommandResult)) {
      return false;
    }
    CommandResult r = (CommandResult) o;
    return exitCode == r.exitCode && stdout.equals(r.stdout) && stderr.equals(r.stderr)
        && stdoutTruncated == r.stdoutTruncated && stderrTruncated == r.stderrTruncated
        && timedOut == r.timedOut && duration.equals(r.duration);
  }

  /** A hash code over every field that {@link #equals(Object)} compares. */
  @Override
  public int hashCode() {
    return Objects.hash(exitCode, stdout, stderr, stdoutTruncated, stderrTruncated, timedOut,
        duration);
  }

  /** The exit code, output sizes and duration, without the output itself. */
  @Override
  public String toString() {
    return "CommandResult[exitCode=" + exitCode + (timedOut ? ", timedOut" : "")
        + ", stdout=" + stdout.length() + " chars" + (stdoutTruncated ? " (truncated)" : "")
        + ", stderr=" + stderr.length() + " chars" + (stderrTruncated ? " (truncated)" : "")
        + ", duration=" + duration + "]";
  }

  /** Builds a {@link CommandResult}; not thread-safe. */
  public static final class Builder {
    private int exitCode;
    private String stdout = "";
    private String stderr = "";
    private boolean stdoutTruncated;
    private boolean stderrTruncated;
    private boolean timedOut;
    private Duration duration = Duration.ZERO;

    private Builder() {}

    /**
     * Sets the exit code (ignored when {@link #timedOut(boolean)} is set).
     *
     * @param exitCode the exit code (ignored when {@link #timedOut(boolean)} is set)
     * @return this builder
     */
    public Builder exitCode(int exitCode) {
      this.exitCode = exitCode;
      return this;
    }

    /**
     * Sets the captured standard output.
     *
     * @param stdout captured standard output
     * @return this builder
     */
    public Builder stdout(String stdout) {
      this.stdout = Objects.requireNonNull(stdout, "stdout");
      return this;
    }

    /**
     * Sets the captured standard error.
     *
     * @param stderr captured standard error
     * @return this builder
     */
    public Builder stderr(String stderr) {
      this.stderr = Objects.requireNonNull(stderr, "stderr");
      return this;
    }

    /**
     * Sets whether stdout was cut.
     *
     * @param truncated whether stdout was cut
     * @return this builder
     */
    public Builder stdoutTruncated(boolean truncated) {
      this.stdoutTruncated = truncated;
      return this;
    }

    /**
     * Sets whether stderr was cut.
     *
     * @param truncated whether stderr was cut
     * @return this builder
     */
    public Builder stderrTruncated(boolean truncated) {
      this.stderrTruncated = truncated;
      return this;
    }

    /**
     * Sets whether the command was killed for running past its timeout.
     *
     * @param timedOut whether the command was killed for running past its timeout
     * @return this builder
     */
    public Builder timedOut(boolean timedOut) {
      this.timedOut = timedOut;
      return this;
    }

    /**
     * Sets how long it ran.
     *
     * @param duration how long it ran
     * @return this builder
     */
    public Builder duration(Duration duration) {
      this.duration = Objects.requireNonNull(duration, "duration");
      return this;
    }

    /**
     * Builds the result.
     *
     * @return the result
     * @throws IllegalArgumentException if the duration is negative
     */
    public CommandResult build() {
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative: " + duration);
      }
      return new CommandResult(this);
    }
  }
}
