package io.velociraptor.supervisor;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.spi.ProgramSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders a {@link ProgramSpec} as a Supervisor {@code [program:x]} section.
 *
 * <p>Supervisor reads program files with Python's {@code RawConfigParser} (inline comments after
 * whitespace, stripped values, one line per key), rewrites {@code %(here)s} in every included
 * file, expands {@code %(...)s} once in most values and twice in log file names, splits {@code
 * command} with {@code shlex} (POSIX) and {@code environment} with {@code shlex} (non-POSIX, quotes
 * stripped from the ends). Every value is escaped for exactly that pipeline, or rejected with an
 * {@link InvalidValueException} naming the program, the field and the value when it cannot be
 * represented; nothing in a spec can add a line, a key, a section or an expansion.
 */
public final class ProgramSection {
  private static final String HERE = "%(here)s";

  private ProgramSection() {}

  /**
   * Returns the section text, ending with a newline.
   *
   * @param spec the program
   * @return the section text, ending with a newline
   * @throws InvalidValueException if a value cannot be written safely; the message names it
   */
  public static String render(ProgramSpec spec) {
    String program = spec.name();
    StringBuilder out = new StringBuilder();
    out.append("[program:").append(program).append("]\n");
    line(out, "command", command(program, spec));
    spec.directory().ifPresent(d -> line(out, "directory", plain(program, "directory", d, 1)));
    spec.user().ifPresent(u -> line(out, "user", u));
    if (!spec.environment().isEmpty()) {
      line(out, "environment", environment(program, spec.environment()));
    }
    line(out, "autostart", bool(spec.autoStart()));
    line(out, "autorestart", switch (spec.autoRestart()) {
      case ALWAYS -> "true";
      case NEVER -> "false";
      case UNEXPECTED -> "unexpected";
    });
    line(out, "exitcodes", spec.exitCodes().stream().map(String::valueOf).collect(Collectors.joining(",")));
    line(out, "startsecs", Integer.toString(spec.startSecs()));
    line(out, "startretries", Integer.toString(spec.startRetries()));
    line(out, "stopsignal", spec.stopSignal().name());
    line(out, "stopwaitsecs", Integer.toString(spec.stopWaitSecs()));
    line(out, "stopasgroup", bool(spec.stopAsGroup()));
    line(out, "killasgroup", bool(spec.killAsGroup()));
    line(out, "redirect_stderr", bool(spec.redirectStderr()));
    // log file names are expanded twice by Supervisor: once as a value, once as a log name
    line(out, "stdout_logfile", spec.stdoutLogfile().map(f -> plain(program, "stdout_logfile", f, 2)).orElse("AUTO"));
    line(out, "stdout_logfile_maxbytes", Long.toString(spec.stdoutLogfileMaxBytes()));
    line(out, "stdout_logfile_backups", Integer.toString(spec.stdoutLogfileBackups()));
    return out.toString();
  }

  /**
   * Returns the file name its section goes in: {@code <name>.conf}.
   *
   * @param spec the program
   * @return the file name its section goes in: {@code <name>.conf}
   */
  public static String fileName(ProgramSpec spec) {
    return spec.name() + ".conf";
  }

  private static void line(StringBuilder out, String key, String value) {
    out.append(key).append('=').append(value).append('\n');
  }

  private static String bool(boolean b) {
    return b ? "true" : "false";
  }

  /**
   * Each argument in single quotes for shlex. A {@code %} becomes {@code %%} and every {@code %},
   * {@code ;} and {@code #} is followed or preceded by an empty quote pair ({@code ''}) so the raw
   * line never holds {@code %(}, nor a comment start after whitespace.
   */
  private static String command(String program, ProgramSpec spec) {
    return commandLine(program, spec.argv());
  }

  /**
   * Returns a {@code command=} value that Supervisor splits back into exactly these arguments,
   * as {@link #render} writes a program's: each argument single-quoted for {@code shlex}, with
   * {@code %}, {@code ;} and {@code #} escaped so no expansion or comment can start.
   *
   * @param section the section the command is for, for the error message
   * @param argv the program and its arguments
   * @return the value of the {@code command=} line
   * @throws InvalidValueException naming the argument if it holds a control character or line break
   */
  public static String commandLine(String section, List<String> argv) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      checkChars(section, "argv[" + i + "]", arg);
      if (i > 0) {
        b.append(' ');
      }
      b.append('\'');
      for (int k = 0; k < arg.length(); k++) {
        char c = arg.charAt(k);
        switch (c) {
          case '\'' -> b.append("'\"'\"'");
          case '%' -> b.append("%%''");
          case ';', '#' -> b.append("''").append(c);
          default -> b.append(c);
        }
      }
      b.append('\'');
    }
    return b.toString();
  }

  private static String environment(String program, Map<String, String> env) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String field = "environment value " + e.getKey();
      String v = e.getValue();
      checkChars(program, field, v);
      checkNoInlineComment(program, field, v);
      checkNoHere(program, field, v);
      if (!v.isEmpty() && (isQuote(v.charAt(0)) || isQuote(v.charAt(v.length() - 1)))) {
        throw bad(program, field, v, "cannot start or end with a quote: Supervisor strips quotes from both ends");
      }
      char quote;
      if (v.indexOf('"') < 0) {
        quote = '"';
      } else if (v.indexOf('\'') < 0) {
        quote = '\'';
      } else {
        throw bad(program, field, v, "cannot hold both ' and \": Supervisor's environment syntax has no escape");
      }
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(e.getKey()).append('=').append(quote).append(v.replace("%", "%%")).append(quote);
    }
    return b.toString();
  }

  /**
   * Returns a log file name as a {@code stdout_logfile=} or {@code stderr_logfile=} value, escaped
   * as {@link #render} writes a program's (Supervisor expands log file names twice).
   *
   * @param section the section it is for, for the error message
   * @param field the key, for the error message
   * @param path the log file
   * @return the value
   * @throws InvalidValueException naming the field if the path cannot be written safely
   */
  public static String logFileValue(String section, String field, String path) {
    return plain(section, field, path, 2);
  }

  /** An unquoted value (a path): no surrounding whitespace, no comment start, % escaped per expansion. */
  private static String plain(String program, String field, String v, int expansions) {
    checkChars(program, field, v);
    checkNoInlineComment(program, field, v);
    checkNoHere(program, field, v);
    if (v.isEmpty() || isPySpace(v.charAt(0)) || isPySpace(v.charAt(v.length() - 1))) {
      throw bad(program, field, v, "cannot be empty or start or end with whitespace");
    }
    String percent = expansions == 2 ? "%%%%" : "%%";
    return v.replace("%", percent);
  }

  private static void checkChars(String program, String field, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
        throw bad(program, field, v, "cannot hold control characters or line breaks");
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1));
        if (!paired) {
          throw bad(program, field, v, "holds an unpaired UTF-16 surrogate");
        }
        i++;
      }
    }
  }

  /** Python's configparser cuts a value at {@code ;} or {@code #} after whitespace. */
  private static void checkNoInlineComment(String program, String field, String v) {
    for (int i = 1; i < v.length(); i++) {
      char c = v.charAt(i);
      if ((c == ';' || c == '#') && isPySpace(v.charAt(i - 1))) {
        throw bad(program, field, v, "cannot hold '" + c + "' after whitespace: Supervisor reads it as a comment");
      }
    }
  }

  private static void checkNoHere(String program, String field, String v) {
    if (v.contains(HERE)) {
      throw bad(program, field, v, "cannot hold %(here)s: Supervisor rewrites it in included files");
    }
  }

  private static boolean isQuote(char c) {
    return c == '"' || c == '\'';
  }

  /** Python's str.isspace for the characters checkChars lets through. */
  static boolean isPySpace(char c) {
    return c == ' ' || Character.isSpaceChar(c) || Character.isWhitespace(c);
  }

  private static InvalidValueException bad(String program, String field, String value, String rule) {
    return InvalidValueException.of(field + " of program " + program, value, rule);
  }
}
