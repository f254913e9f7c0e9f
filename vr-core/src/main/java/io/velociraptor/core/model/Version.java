package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A build's version (a git tag, branch or commit): free text of 1 to 128 printable characters.
 * Its {@link #nameForm()} goes into program names; the release hash, not the version, identifies
 * a release.
 *
 * @param value the validated text
 */
public record Version(@JsonValue String value) implements Comparable<Version> {
  /**
   * @throws InvalidValueException if the value is empty, too long or has control characters
   * @param value the value
   */
  public Version {
    Names.requireText("version", value);
    if (value.length() > 128) {
      throw InvalidValueException.of("version", value, "at most 128 characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw InvalidValueException.of("version", value, "must not contain control characters");
      }
    }
  }

  /**
   * Returns the validated version.
   *
   * @param value the text
   * @return the validated version
   * @throws InvalidValueException if the value is empty, too long or has control characters
   */
  @JsonCreator
  public static Version of(String value) {
    return new Version(value);
  }

  /**
   * Returns the version with every character outside {@code [A-Za-z0-9_.]} replaced by {@code _},
   * as it appears in program names ({@code release-1.0} becomes {@code release_1.0}).
   *
   * @return the version with every character outside {@code [A-Za-z0-9_.]} replaced by {@code _},
   *     as it appears in program names ({@code release-1.0} becomes {@code release_1.0})
   */
  public String nameForm() {
    return nameForm(value);
  }

  static String nameForm(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.';
      out.append(keep ? c : '_');
    }
    return out.toString();
  }

  /** Orders versions by their text (not by any version scheme). */
  @Override
  public int compareTo(Version other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
