package io.velociraptor.core.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one uptest script: its file name, its combined stdout and stderr, whether it
 * exited 0 within its timeout, how long it took, and, when the runner says, its exit code and
 * whether it was killed for running too long. Wire form (the runner's {@code uptest} output):
 * {@code {"name": .., "output": .., "passed": .., "duration_ms": .., "exit_code": .., "timed_out": ..}};
 * the last two are absent in the original runner's output.
 *
 * @param name the script's file name in {@code uptests/<proc_name>/}
 * @param output what the script printed (stdout and stderr, possibly truncated)
 * @param passed true if the script exited 0 before its timeout
 * @param durationMs wall-clock time the script ran, in milliseconds
 * @param exitCode its exit code, if it exited and the runner said
 * @param timedOut true if it was killed for running longer than its timeout
 */
public record UptestResult(
    @JsonProperty("name") String name,
    @JsonProperty("output") String output,
    @JsonProperty("passed") boolean passed,
    @JsonProperty("duration_ms") long durationMs,
    @JsonProperty("exit_code") Optional<Integer> exitCode,
    @JsonProperty("timed_out") boolean timedOut) {

  /**
   * @throws NullPointerException if name or output is null
   * @throws IllegalArgumentException if name is empty or durationMs is negative
   * @param passed the passed
   * @param output the output
   * @param name the name
   * @param durationMs the duration ms
   * @param exitCode the exit code, if known (null reads as unknown)
   * @param timedOut whether it was killed for its timeout
   */
  public UptestResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(output, "output");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("uptest name must not be empty");
    }
    if (durationMs < 0) {
      throw new IllegalArgumentException("uptest duration_ms must not be negative: " + durationMs);
    }
    exitCode = exitCode == null ? Optional.empty() : exitCode;
  }

  /** Reads the wire form; the original runner's has no exit_code or timed_out. */
  @JsonCreator
  private static UptestResult fromWire(@JsonProperty("name") String name, @JsonProperty("output") String output,
      @JsonProperty("passed") boolean passed, @JsonProperty("duration_ms") long durationMs,
      @JsonProperty("exit_code") Optional<Integer> exitCode, @JsonProperty("timed_out") Boolean timedOut) {
    return new UptestResult(name, output, passed, durationMs, exitCode, Boolean.TRUE.equals(timedOut));
  }

  /**
   * Returns the result, exit code unknown, not timed out.
   *
   * @param name the script's file name
   * @param output what it printed
   * @param passed whether it exited 0 in time
   * @param durationMs how long it ran
   * @return the result, exit code unknown, not timed out
   * @throws IllegalArgumentException if name is empty or durationMs is negative
   */
  public static UptestResult of(String name, String output, boolean passed, long durationMs) {
    return new UptestResult(name, output, passed, durationMs, Optional.empty(), false);
  }

  /**
   * Returns the result; it passed if it exited 0 in time.
   *
   * @param name the script's file name
   * @param output what it printed
   * @param exitCode how it exited (ignored when it timed out)
   * @param timedOut whether it was killed for running too long
   * @param durationMs how long it ran
   * @return the result; it passed if it exited 0 in time
   * @throws IllegalArgumentException if name is empty or durationMs is negative
   */
  public static UptestResult of(String name, String output, int exitCode, boolean timedOut, long durationMs) {
    return new UptestResult(name, output, !timedOut && exitCode == 0, durationMs,
        timedOut ? Optional.empty() : Optional.of(exitCode), timedOut);
  }

  /**
   * How it ended, for people: "passed", "exit 1", "timed out", or "failed" when the runner did not
   * say.
   */
  public String outcome() {
    if (timedOut) {
      return "timed out";
    }
    return exitCode.map(c -> c == 0 && passed ? "passed" : "exit " + c).orElse(passed ? "passed" : "failed");
  }
}
