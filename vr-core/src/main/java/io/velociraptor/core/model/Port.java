package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A TCP port a proc listens on, 1 to 65535.
 *
 * @param value the port number
 */
public record Port(@JsonValue int value) implements Comparable<Port> {
  /**
   * @throws InvalidValueException if the value is outside 1 to 65535
   * @param value the value
   */
  public Port {
    if (value < 1 || value > 65535) {
      throw InvalidValueException.of("port", value, "must be between 1 and 65535");
    }
  }

  /**
   * Returns the validated port.
   *
   * @param value the port number
   * @return the validated port
   * @throws InvalidValueException if the value is outside 1 to 65535
   */
  @JsonCreator
  public static Port of(int value) {
    return new Port(value);
  }

  /**
   * Parses a port number written as text.
   *
   * @param text decimal digits
   * @return the port
   * @throws InvalidValueException if the text is not a number from 1 to 65535
   */
  public static Port parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
      throw InvalidValueException.of("port", text, "must be a number between 1 and 65535");
    }
    return new Port(Integer.parseInt(text));
  }

  /** Orders ports by number. */
  @Override
  public int compareTo(Port other) {
    return Integer.compare(value, other.value);
  }

  @Override
  public String toString() {
    return Integer.toString(value);
  }
}
