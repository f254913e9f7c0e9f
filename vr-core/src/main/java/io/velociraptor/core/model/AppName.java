package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An app's name. Goes into program names, so only {@code [A-Za-z0-9_.]}, 1 to 64 characters.
 *
 * @param value the validated text
 */
public record AppName(@JsonValue String value) implements Comparable<AppName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public AppName {
    value = Names.name("app name", value);
  }

  /**
   * Returns the validated app name.
   *
   * @param value the text
   * @return the validated app name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static AppName of(String value) {
    return new AppName(value);
  }

  /** Orders app names by their text. */
  @Override
  public int compareTo(AppName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
