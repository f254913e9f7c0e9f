package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A config ingredient's name: {@code [A-Za-z0-9_.-]}, 1 to 64, not starting with a dash.
 *
 * @param value the validated text
 */
public record IngredientName(@JsonValue String value) implements Comparable<IngredientName> {
  /**
   * @throws InvalidValueException if the value breaks the rule; the message names it
   * @param value the value
   */
  public IngredientName {
    value = Names.dashed("config ingredient name", value);
  }

  /**
   * Returns the validated config ingredient name.
   *
   * @param value the text
   * @return the validated config ingredient name
   * @throws InvalidValueException if the value breaks the rule; the message names it
   */
  @JsonCreator
  public static IngredientName of(String value) {
    return new IngredientName(value);
  }

  /** Orders config ingredient names by their text. */
  @Override
  public int compareTo(IngredientName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
