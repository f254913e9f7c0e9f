package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory limit as the original writes it ({@code 256M}, {@code 1G}, {@code 512k}, or bytes).
 * Keeps the text it was given so proc.yaml round-trips; {@link #bytes()} is what is enforced.
 * Two limits are equal when their texts are (the text goes into the release hash).
 */
public final class MemoryLimit {
  private static final Pattern FORM = Pattern.compile("([0-9]{1,15})([kKmMgGtT]?)[bB]?");
  /** Below this no proc can start; it is almost certainly a unit mistake. */
  public static final long MIN_BYTES = 4L * 1024 * 1024;

  private final String text;
  private final long bytes;

  private MemoryLimit(String text, long bytes) {
    this.text = text;
    this.bytes = bytes;
  }

  /**
   * Parses a memory limit such as {@code 256M}, {@code 1G}, {@code 512k} or a number of bytes.
   *
   * @param text e.g. {@code 256M}
   * @return the limit
   * @throws InvalidValueException if the text is not a size of at least 4M; the message names it
   */
  @JsonCreator
  public static MemoryLimit parse(String text) {
    Names.requireText("memory limit", text);
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw InvalidValueException.of(
          "memory limit", text, "use a number with an optional unit k, M, G or T, e.g. 256M");
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw InvalidValueException.of("memory limit", text, "is too large");
    }
    long bytes = n << shift;
    if (bytes < MIN_BYTES) {
      throw InvalidValueException.of("memory limit", text, "must be at least 4M");
    }
    return new MemoryLimit(text, bytes);
  }

  /** The limit in bytes. */
  public long bytes() {
    return bytes;
  }

  /** The limit as written, e.g. {@code 256M}. */
  @JsonValue
  public String format() {
    return text;
  }

  /** Whether {@code o} is a memory limit of the same text. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MemoryLimit other && other.text.equals(text);
  }

  /** A hash code over the limit's text. */
  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The limit as written, such as {@code 256M}. */
  @Override
  public String toString() {
    return text;
  }
}
