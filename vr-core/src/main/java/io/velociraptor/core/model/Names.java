package io.velociraptor.core.model;

import java.util.regex.Pattern;

/** Shared checks for the identity records. */
final class Names {
  static final int MAX_NAME = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");
  private static final Pattern DASHED = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}");

  private Names() {}

  /** A name that goes into program names: letters, digits, {@code _} and {@code .} only. */
  static String name(String field, String value) {
    requireText(field, value);
    if (!NAME.matcher(value).matches()) {
      throw InvalidValueException.of(
          field,
          value,
          "use 1 to 64 of A-Z a-z 0-9 _ . (no dash, space, colon, slash or %:"
              + " program names are split on dashes)");
    }
    if (value.chars().allMatch(c -> c == '.')) {
      throw InvalidValueException.of(field, value, "must not be only dots (it would name a parent directory)");
    }
    return value;
  }

  /** A name that never goes into program names; dashes are allowed after the first character. */
  static String dashed(String field, String value) {
    requireText(field, value);
    if (!DASHED.matcher(value).matches()) {
      throw InvalidValueException.of(
          field, value, "use 1 to 64 of A-Z a-z 0-9 _ . - (not starting with a dash)");
    }
    return value;
  }

  static void requireText(String field, String value) {
    if (value == null) {
      throw InvalidValueException.of(field, "null", "a value is required");
    }
    if (value.isEmpty()) {
      throw InvalidValueException.of(field, value, "must not be empty");
    }
  }
}
