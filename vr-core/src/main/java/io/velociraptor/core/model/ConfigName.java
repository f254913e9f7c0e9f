package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A swarm's config name (e.g. {@code prod}). Goes into program names: {@code [A-Za-z0-9_.]}, 1 to 64.
 *
 * @param value the validated text
 */
public record ConfigName(@JsonValue String value) implements Comparable<ConfigName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public ConfigName {
    value = Names.name("config name", value);
  }

  /**
   * Returns the validated config name.
   *
   * @param value the text
   * @return the validated config name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static ConfigName of(String value) {
    return new ConfigName(value);
  }

  /** Orders config names by their text. */
  @Override
  public int compareTo(ConfigName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
