package io.velociraptor.lxc;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting: every value is one single-quoted word, whatever it holds. */
final class Shell {
  private Shell() {}

  static String quote(String s) {
    if (s.indexOf('\0') >= 0) {
      throw RunnerException.badValue("shell word", s, "contains a NUL character");
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  static String join(List<String> argv) {
    return argv.stream().map(Shell::quote).collect(Collectors.joining(" "));
  }
}
