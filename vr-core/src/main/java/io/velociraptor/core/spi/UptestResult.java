package io.velociraptor.core.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The outcome of one uptest script: its file name, its combined stdout and stderr, whether it
 * exited 0 within its timeout, and how long it took. Wire form (the runner's {@code uptest}
 * output): {@code {"name": .., "output": .., "passed": .., "duration_ms": ..}}.
 *
 * @param name the script's file name in {@code uptests/<proc_name>/}
 * @param output what the script printed (stdout and stderr, possibly truncated)
 * @param passed true if the script exited 0 before its timeout
 * @param durationMs wall-clock time the script ran, in milliseconds
 */
public record UptestResult(
    @JsonProperty("name") String name,
    @JsonProperty("output") String output,
    @JsonProperty("passed") boolean passed,
    @JsonProperty("duration_ms") long durationMs) {

  /**
   * @throws NullPointerException if name or output is null
   * @throws IllegalArgumentException if name is empty or durationMs is negative
   */
  @JsonCreator
  public UptestResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(output, "output");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("uptest name must not be empty");
    }
    if (durationMs < 0) {
      throw new IllegalArgumentException("uptest duration_ms must not be negative: " + durationMs);
    }
  }

  /**
   * @param name the script's file name
   * @param output what it printed
   * @param passed whether it exited 0 in time
   * @param durationMs how long it ran
   * @return the result
   * @throws IllegalArgumentException if name is empty or durationMs is negative
   */
  public static UptestResult of(String name, String output, boolean passed, long durationMs) {
    return new UptestResult(name, output, passed, durationMs);
  }
}
