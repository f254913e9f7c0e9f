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

  /**
   * @throws InvalidValueException if the value is not 8 lowercase base32 characters
   * @param value the value
   */
  public SwarmId {
    Names.requireText("swarm id", value);
    if (!FORM.matcher(value).matches()) {
      throw InvalidValueException.of("swarm id", value, "must be 8 characters of a-z and 2-7");
    }
  }

  /**
   * Returns the validated swarm id.
   *
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

  /**
   * The id the {@code vr} tool gives a swarm file without an {@code id} whose swarm is not stored
   * yet: the first 40 bits of the SHA-256 of the swarm's name ({@code app-config-proc}), so
   * applying the same file again, from the tool or a program of yours, names the same swarm.
   *
   * @param swarmName the swarm's name, {@link Swarm#name()}
   * @return the id derived from it
   */
  public static SwarmId derivedFrom(String swarmName) {
    byte[] d;
    try {
      d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(swarmName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = (bits << 8) | (d[i] & 0xff);
    }
    return fromBits(bits);
  }

  /** Orders swarm ids by their text. */
  @Override
  public int compareTo(SwarmId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
