package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The ports a host hands to procs: {@code start} inclusive to {@code endExclusive} exclusive, as
 * the original's {@code PORT_RANGE_START}/{@code PORT_RANGE_END} (default 5000 to 6000).
 *
 * @param start the first port
 * @param endExclusive one past the last port
 */
public record PortRange(int start, int endExclusive) {
  /**
   * @throws InvalidValueException if the range is empty or outside 1 to 65536
   * @param start the start
   * @param endExclusive the end exclusive
   */
  public PortRange {
    if (start < 1 || start > 65535) {
      throw InvalidValueException.of("port range start", start, "must be between 1 and 65535");
    }
    if (endExclusive <= start || endExclusive > 65536) {
      throw InvalidValueException.of(
          "port range end", endExclusive, "must be above the start " + start + " and at most 65536");
    }
  }

  /** The original's default range, 5000 to 6000 (exclusive). */
  public static final PortRange DEFAULT = new PortRange(5000, 6000);

  /**
   * Returns the validated range.
   *
   * @param start the first port
   * @param endExclusive one past the last port
   * @return the validated range
   * @throws InvalidValueException if the range is empty or outside 1 to 65536
   */
  @JsonCreator
  public static PortRange of(
      @JsonProperty("start") int start, @JsonProperty("end_exclusive") int endExclusive) {
    return new PortRange(start, endExclusive);
  }

  /**
   * Returns whether the range holds it.
   *
   * @param port a port number
   * @return whether the range holds it
   */
  public boolean contains(int port) {
    return port >= start && port < endExclusive;
  }

  /** How many ports the range holds. */
  public int size() {
    return endExclusive - start;
  }

  @Override
  public String toString() {
    return start + "-" + endExclusive;
  }
}
