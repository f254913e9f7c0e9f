package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Environment variables of a build or release, sorted by name. Names are
 * {@code [A-Za-z_][A-Za-z0-9_]*}; values are any text without NUL (the runner escapes them when
 * it writes {@code env.sh}) that fits the kernel's limit on one variable, {@link
 * #MAX_VARIABLE_BYTES}. YAML numbers and booleans are taken as their text, as the original's
 * env_yaml allowed them.
 */
public final class Env {
  private static final Env EMPTY = new Env(Collections.emptyMap());
  /** Linux's MAX_ARG_STRLEN: the most bytes one {@code NAME=value} string may take, with its NUL. */
  public static final int MAX_VARIABLE_BYTES = 128 * 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
  private final Map<String, String> vars;

  private Env(Map<String, String> vars) {
    this.vars = vars;
  }

  /** No variables. */
  public static Env empty() {
    return EMPTY;
  }

  /**
   * Returns the validated, sorted variables.
   *
   * @param map variable names to values (strings, numbers or booleans)
   * @return the validated, sorted variables
   * @throws InvalidValueException if a name is not a valid variable name or a value is not a
   *     scalar, holds NUL or is longer than {@link #MAX_VARIABLE_BYTES}; the message names it
   */
  @JsonCreator
  public static Env of(Map<?, ?> map) {
    if (map == null || map.isEmpty()) {
      return EMPTY;
    }
    TreeMap<String, String> out = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name) || !NAME.matcher(name).matches()) {
        throw InvalidValueException.of(
            "env variable name", e.getKey(), "use [A-Za-z_][A-Za-z0-9_]*, at most 256 characters");
      }
      out.put(name, value(name, e.getValue()));
    }
    return new Env(Collections.unmodifiableMap(out));
  }

  private static String value(String name, Object value) {
    String text;
    if (value instanceof String s) {
      text = s;
    } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
        || value instanceof Boolean || value instanceof Short || value instanceof Byte) {
      text = value.toString();
    } else if (value instanceof BigDecimal d) {
      text = d.toPlainString();
    } else if (value instanceof Double || value instanceof Float) {
      text = value.toString();
    } else {
      throw InvalidValueException.of(
          "env variable " + name, value, "must be a string, number or boolean");
    }
    if (text.indexOf('\0') >= 0) {
      // the value is not shown: env values may hold secrets
      throw InvalidValueException.of("env variable " + name, "(" + text.getBytes(StandardCharsets.UTF_8).length
          + " bytes)", "must not contain NUL");
    }
    requireFits("env variable " + name, name, text);
    return text;
  }

  /**
   * Checks that one variable fits the kernel's limit for an environment string.
   *
   * @param field what the variable is, for the message, e.g. {@code env variable PORT}
   * @param name the variable's name
   * @param value its value
   * @throws InvalidValueException if {@code NAME=value} with its NUL is longer than {@link
   *     #MAX_VARIABLE_BYTES}; the message names the field and the limit, not the value
   */
  public static void requireFits(String field, String name, String value) {
    // the kernel refuses a longer string at exec, which would show only as a proc that never starts
    long bytes = name.length() + 1 + value.getBytes(StandardCharsets.UTF_8).length + 1;
    if (bytes > MAX_VARIABLE_BYTES) {
      // the value is not shown: env values may hold secrets, and this one is long
      throw InvalidValueException.of(field, "(" + bytes + " bytes as " + name + "=value)",
          "is too long: the kernel takes at most " + MAX_VARIABLE_BYTES
              + " bytes for one variable (MAX_ARG_STRLEN), counting NAME=, the value in UTF-8 and the NUL");
    }
  }

  /** The variables, sorted by name, unmodifiable. */
  @JsonValue
  public Map<String, String> asMap() {
    return vars;
  }

  /** Whether there are no variables. */
  public boolean isEmpty() {
    return vars.isEmpty();
  }

  /**
   * Returns this env with {@code over}'s variables added or replacing.
   *
   * @param over variables that take precedence
   * @return this env with {@code over}'s variables added or replacing
   */
  public Env merge(Env over) {
    if (over.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return over;
    }
    TreeMap<String, String> out = new TreeMap<>(vars);
    out.putAll(over.vars);
    return new Env(Collections.unmodifiableMap(out));
  }

  /** Whether {@code o} is an env with the same variables and values. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Env other && other.vars.equals(vars);
  }

  /** A hash code over the variables and their values. */
  @Override
  public int hashCode() {
    return vars.hashCode();
  }

  /** The variables' names, never their values (they may hold secrets). */
  @Override
  public String toString() {
    return "Env" + vars.keySet();
  }
}
