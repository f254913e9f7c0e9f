package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/**
 * A release's hash as it appears in program names: 8 to 64 lowercase hex characters. vr's own
 * releases use 12 (see {@link Release#hash()}); the original's use 8.
 *
 * @param value the validated text
 */
public record ReleaseHash(@JsonValue String value) implements Comparable<ReleaseHash> {
  private static final Pattern FORM = Pattern.compile("[0-9a-f]{8,64}");

  /**
   * @throws InvalidValueException if the value is not 8 to 64 lowercase hex characters
   * @param value the value
   */
  public ReleaseHash {
    Names.requireText("release hash", value);
    if (!FORM.matcher(value).matches()) {
      throw InvalidValueException.of("release hash", value, "must be 8 to 64 lowercase hex characters");
    }
  }

  /**
   * Returns the validated hash.
   *
   * @param value the text
   * @return the validated hash
   * @throws InvalidValueException if the value is not 8 to 64 lowercase hex characters
   */
  @JsonCreator
  public static ReleaseHash of(String value) {
    return new ReleaseHash(value);
  }

  /**
   * Returns whether {@link #of(String)} would accept it.
   *
   * @param value any text
   * @return whether {@link #of(String)} would accept it
   */
  public static boolean isValid(String value) {
    return value != null && FORM.matcher(value).matches();
  }

  /** Orders release hashes by their text. */
  @Override
  public int compareTo(ReleaseHash other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
