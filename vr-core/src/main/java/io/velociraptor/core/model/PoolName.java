package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A load-balancer pool's name: {@code [A-Za-z0-9_.-]}, 1 to 64, not starting with a dash.
 *
 * @param value the validated text
 */
public record PoolName(@JsonValue String value) implements Comparable<PoolName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public PoolName {
    value = Names.dashed("pool name", value);
  }

  /**
   * Returns the validated pool name.
   *
   * @param value the text
   * @return the validated pool name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static PoolName of(String value) {
    return new PoolName(value);
  }

  /** Orders pool names by their text. */
  @Override
  public int compareTo(PoolName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
