package io.velociraptor.core.spi;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The checks {@link Command} and {@link OneShot} share on what reaches a program. */
final class CommandValues {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");

  private CommandValues() {}

  /** Refuses a NUL, which no program argument, variable or path can carry. */
  static void requireNoNul(String field, String value) {
    if (value.indexOf('\0') >= 0) {
      throw new InvalidCommandException(
          field, value.replace("\0", "\\0"), "a NUL character cannot be passed to a program");
    }
  }

  /** @return the environment, sorted, after checking every name and value */
  static SortedMap<String, String> env(Map<String, String> env) {
    TreeMap<String, String> sorted = new TreeMap<>();
    env.forEach((name, value) -> {
      Objects.requireNonNull(name, "env name");
      Objects.requireNonNull(value, () -> "env value of " + name);
      if (!ENV_NAME.matcher(name).matches()) {
        throw new InvalidCommandException(
            "env", name, "an environment variable name must match [A-Za-z_][A-Za-z0-9_]*");
      }
      requireNoNul("env " + name, value);
      sorted.put(name, value);
    });
    return Collections.unmodifiableSortedMap(sorted);
  }

  /** @return the user name, after checking it is a plain one */
  static String user(String field, String user) {
    if (!USER_NAME.matcher(user).matches()) {
      throw new InvalidCommandException(field, user,
          "a user name must be 1 to 32 of [A-Za-z0-9_.-] and not start with '.' or '-'");
    }
    return user;
  }

  /** @return the timeout, after checking it is positive */
  static Duration timeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new InvalidCommandException("timeout", timeout.toString(), "the timeout must be positive");
    }
    return timeout;
  }
}
