package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;

/**
 * A number of procs, written {@code N} (procs) or {@code P%} (a percent of the swarm's size), as
 * an update policy's {@code max_parallel}, {@code max_surge} and {@code min_in_service} take it.
 * On the wire a count is a bare number and a percent the text {@code "25%"}. A percent resolves
 * against a size rounded up, so {@code 10%} of 5 is 1 and never 0 ({@link #resolve}).
 *
 * @param value the count, or the percent (0 to 100)
 * @param percent whether {@code value} is a percent
 */
public record ProcCount(int value, boolean percent) {
  /**
   * @throws InvalidValueException if the value is negative, a percent over 100 or a count over
   *     {@link Swarm#MAX_SIZE}
   * @param value the value
   * @param percent whether it is a percent
   */
  public ProcCount {
    if (value < 0 || (percent && value > 100) || value > Swarm.MAX_SIZE) {
      throw InvalidValueException.of("proc count", percent ? value + "%" : String.valueOf(value), percent
          ? "a percent must be from 0% to 100%" : "must be a whole number from 0 to " + Swarm.MAX_SIZE);
    }
  }

  /**
   * A count of that many procs.
   *
   * @param procs how many procs
   * @return that count
   * @throws InvalidValueException if negative or over {@link Swarm#MAX_SIZE}
   */
  public static ProcCount of(int procs) {
    return new ProcCount(procs, false);
  }

  /**
   * That percent of the swarm's size.
   *
   * @param percent a percent of the swarm's size, 0 to 100
   * @return that share
   * @throws InvalidValueException if outside 0 to 100
   */
  public static ProcCount percent(int percent) {
    return new ProcCount(percent, true);
  }

  /**
   * Reads a count as the swarm file writes it, {@code N} procs or {@code P%} of the size.
   *
   * @param text {@code N} or {@code P%}, e.g. {@code 2} or {@code 25%}
   * @return the count
   * @throws InvalidValueException naming the text if it is neither
   */
  public static ProcCount parse(String text) {
    Names.requireText("proc count", text);
    boolean pct = text.endsWith("%");
    String digits = pct ? text.substring(0, text.length() - 1) : text;
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw InvalidValueException.of("proc count", text,
          "write a whole number of procs (2) or a percent of the swarm's size (25%)");
    }
    return new ProcCount(Integer.parseInt(digits), pct);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static ProcCount json(Object wire) {
    if (wire instanceof Integer || wire instanceof Long || wire instanceof BigInteger) {
      long n = ((Number) wire).longValue();
      if (n < 0 || n > Swarm.MAX_SIZE || wire instanceof BigInteger) {
        throw InvalidValueException.of("proc count", wire, "must be a whole number from 0 to " + Swarm.MAX_SIZE);
      }
      return of((int) n);
    }
    if (wire instanceof String s) {
      return parse(s);
    }
    throw InvalidValueException.of("proc count", wire,
        "write a whole number of procs (2) or a percent of the swarm's size (25%)");
  }

  /** @return the wire form: the number for a count, {@code "25%"} for a percent */
  @JsonValue
  Object wire() {
    return percent ? (Object) format() : (Object) value;
  }

  /** The written form, {@code 2} for a count or {@code 25%} for a percent. */
  public String format() {
    return percent ? value + "%" : String.valueOf(value);
  }

  /**
   * How many procs this is in a swarm of that size: a count as it is, a percent rounded up.
   *
   * @param size the swarm's size (its target)
   * @return the count, or the percent of {@code size} rounded up
   */
  public int resolve(int size) {
    return percent ? (int) ((value * (long) size + 99) / 100) : value;
  }

  @Override
  public String toString() {
    return format();
  }
}
