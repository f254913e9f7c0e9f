package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/**
 * A swarm's stable identity: 8 lowercase base32 characters ({@code a-z}, {@code 2-7}), assigned
 * once and never changed by edits. It is the last field of every program name vr writes, which
 * is how procs of a renamed swarm are still recognised as its own.
 *
 * @param value the validated text
 */
public record SwarmId(@JsonValue String value) implements Comparable<SwarmId> {
  private static final Pattern FORM = Pattern.compile("[a-z2-7]{8}");
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  /** @throws InvalidValueException if the value is not 8 lowercase base32 characters */
  public SwarmId {
    Names.requireText("swarm id", value);
    if (!FORM.matcher(value).matches()) {
      throw InvalidValueException.of("swarm id", value, "must be 8 characters of a-z and 2-7");
    }
  }

  /**
   * @param value the text
   * @return the validated swarm id
   * @throws InvalidValueException if the value is not 8 lowercase base32 characters
   */
  @JsonCreator
  public static SwarmId of(String value) {
    return new SwarmId(value);
  }

  /**
   * Makes an id from 40 bits the caller chose (the model itself has no randomness: the store
   * passes random bits, tests pass fixed ones).
   *
   * @param bits any long; only its low 40 bits are used
   * @return the id those bits spell
   */
  public static SwarmId fromBits(long bits) {
    char[] out = new char[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = ALPHABET.charAt((int) (bits & 31));
      bits >>>= 5;
    }
    return new SwarmId(new String(out));
  }

  @Override
  public int compareTo(SwarmId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
