package io.velociraptor.core.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Field checks shared by the aggregates. */
final class Checks {
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

  private Checks() {}

  /** Non-empty text of at most 4096 characters with no control characters. */
  static String text(String field, String value) {
    Names.requireText(field, value);
    if (value.length() > 4096) {
      throw InvalidValueException.of(field, value, "at most 4096 characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw InvalidValueException.of(field, value, "must not contain control characters");
      }
    }
    return value;
  }

  /** A Unix user or group name as {@code useradd} accepts it. */
  static String user(String field, String value) {
    Names.requireText(field, value);
    if (!USER.matcher(value).matches()) {
      throw InvalidValueException.of(field, value, "use a Unix name: [a-z_][a-z0-9_-]*, at most 32 characters");
    }
    return value;
  }

  /** Lowercase hex of the given length. */
  static String hex(String field, String value, int length) {
    Names.requireText(field, value);
    if (value.length() != length || !value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw InvalidValueException.of(field, value, "must be " + length + " lowercase hex characters");
    }
    return value;
  }

  static void nonNegative(String field, long value) {
    if (value < 0) {
      throw InvalidValueException.of(field, value, "must not be negative");
    }
  }

  /**
   * Returns {@code items} sorted by key (the same list when it already is), refusing a key that
   * appears twice: a sorted set would drop one of the two without a word.
   */
  static <T, K extends Comparable<? super K>> List<T> sortedUnique(
      List<T> items, Function<T, K> key, String field, String where) {
    List<T> sorted = items;
    for (int i = 1; i < sorted.size(); i++) {
      if (key.apply(sorted.get(i - 1)).compareTo(key.apply(sorted.get(i))) > 0) {
        sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparing(key));
        break;
      }
    }
    for (int i = 1; i < sorted.size(); i++) {
      K k = key.apply(sorted.get(i));
      if (key.apply(sorted.get(i - 1)).compareTo(k) == 0) {
        throw InvalidValueException.of(field, k, "is listed twice " + where);
      }
    }
    return sorted;
  }
}
