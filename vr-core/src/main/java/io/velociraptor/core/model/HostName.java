package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/**
 * A host's name as vr knows it: a DNS name or an IP address literal (dot-separated labels of
 * letters, digits, {@code -} and {@code _}), at most 253 characters.
 *
 * @param value the validated text
 */
public record HostName(@JsonValue String value) implements Comparable<HostName> {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");

  /**
   * @throws InvalidValueException if the value is not a host name; the message names it
   * @param value the value
   */
  public HostName {
    Names.requireText("host name", value);
    if (value.length() > 253) {
      throw InvalidValueException.of("host name", value, "at most 253 characters");
    }
    for (String label : value.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw InvalidValueException.of(
            "host name",
            value,
            "use dot-separated labels of A-Z a-z 0-9 _ - (no empty label, no dash at either end)");
      }
    }
  }

  /**
   * Returns the validated host name.
   *
   * @param value the text
   * @return the validated host name
   * @throws InvalidValueException if the value is not a host name
   */
  @JsonCreator
  public static HostName of(String value) {
    return new HostName(value);
  }

  /** Orders host names by their text. */
  @Override
  public int compareTo(HostName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
