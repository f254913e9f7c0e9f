package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A configured balancer's name: {@code [A-Za-z0-9_.-]}, 1 to 64, not starting with a dash.
 *
 * @param value the validated text
 */
public record BalancerName(@JsonValue String value) implements Comparable<BalancerName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public BalancerName {
    value = Names.dashed("balancer name", value);
  }

  /**
   * Returns the validated balancer name.
   *
   * @param value the text
   * @return the validated balancer name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static BalancerName of(String value) {
    return new BalancerName(value);
  }

  /** Orders balancer names by their text. */
  @Override
  public int compareTo(BalancerName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
