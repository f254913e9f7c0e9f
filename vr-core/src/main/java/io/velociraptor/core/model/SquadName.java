package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A squad's name: {@code [A-Za-z0-9_.-]}, 1 to 64, not starting with a dash.
 *
 * @param value the validated text
 */
public record SquadName(@JsonValue String value) implements Comparable<SquadName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public SquadName {
    value = Names.dashed("squad name", value);
  }

  /**
   * Returns the validated squad name.
   *
   * @param value the text
   * @return the validated squad name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static SquadName of(String value) {
    return new SquadName(value);
  }

  /** Orders squad names by their text. */
  @Override
  public int compareTo(SquadName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
