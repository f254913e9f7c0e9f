package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A proc type from the Procfile (e.g. {@code web}). Goes into program names: {@code [A-Za-z0-9_.]}, 1 to 64.
 *
 * @param value the validated text
 */
public record ProcTypeName(@JsonValue String value) implements Comparable<ProcTypeName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public ProcTypeName {
    value = Names.name("proc name", value);
  }

  /**
   * Returns the validated proc name.
   *
   * @param value the text
   * @return the validated proc name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static ProcTypeName of(String value) {
    return new ProcTypeName(value);
  }

  /** Orders proc type names by their text. */
  @Override
  public int compareTo(ProcTypeName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
