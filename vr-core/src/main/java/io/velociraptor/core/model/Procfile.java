package io.velociraptor.core.model;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An app's {@code Procfile}: one {@code name: command} line per proc type. Blank lines and lines
 * starting with {@code #} are ignored; the command is everything after the first colon, trimmed,
 * kept verbatim. It is not YAML (the original parsed it as YAML, a bug): {@code {}}, {@code &},
 * {@code *}, quotes and further colons are just part of the command.
 *
 * <p>Two readings of the same format:
 *
 * <ul>
 *   <li>{@link #parse} is strict, for the builder: every line must be {@code name: command} with a
 *       proc type name of {@code [A-Za-z0-9_.]{1,64}}, a non-empty command and no name twice;
 *       errors name the line.
 *   <li>{@link #parseLenient} never fails, for the runner, which must also start builds the
 *       original made: it skips lines it cannot read and empty commands, allows dashes in names
 *       and keeps the first of repeated names.
 * </ul>
 */
public final class Procfile {
  private static final Pattern STRICT_LINE = Pattern.compile("([^:\\s]+)\\s*:(.*)");
  private static final Pattern STRICT_NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");
  private static final Pattern LENIENT_LINE =
      Pattern.compile("^([A-Za-z0-9_.-]+)\\s*:\\s*(.*?)\\s*$");
  private static final Procfile EMPTY = new Procfile(new TreeMap<>());

  private final SortedMap<String, String> processTypes;

  private Procfile(SortedMap<String, String> processTypes) {
    this.processTypes = Collections.unmodifiableSortedMap(processTypes);
  }

  /** The Procfile with no process types. */
  public static Procfile empty() {
    return EMPTY;
  }

  /**
   * Parses a Procfile's text strictly (the builder's reading). A byte order mark at the start
   * and {@code \r} line ends are accepted.
   *
   * @param text the file's content
   * @return the Procfile
   * @throws InvalidProcfileException naming the line for a line that is not
   *     {@code name: command}, an invalid proc type name, an empty command or a repeated name
   */
  public static Procfile parse(String text) {
    SortedMap<String, String> types = new TreeMap<>();
    SortedMap<String, Integer> seenAt = new TreeMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String raw = lines[i];
      if (i == 0 && raw.startsWith("\uFEFF")) {
        raw = raw.substring(1);
      }
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = STRICT_LINE.matcher(line);
      if (!m.matches()) {
        throw new InvalidProcfileException(lineNo, line, "expected 'name: command'");
      }
      String name = m.group(1);
      String command = m.group(2).strip();
      if (!STRICT_NAME.matcher(name).matches()) {
        throw new InvalidProcfileException(lineNo, name,
            "a proc type name may hold only letters, digits, '_' and '.' (1 to 64 of them)"
                + (name.contains("-") ? "; use '_' instead of '-'" : ""));
      }
      if (command.isEmpty()) {
        throw new InvalidProcfileException(lineNo, line,
            "proc type '" + name + "' has an empty command");
      }
      Integer earlier = seenAt.put(name, lineNo);
      if (earlier != null) {
        throw new InvalidProcfileException(lineNo, name,
            "proc type '" + name + "' is defined twice (first on line " + earlier + ")");
      }
      types.put(name, command);
    }
    return new Procfile(types);
  }

  /**
   * Parses a Procfile's text leniently (the runner's reading, which must also read builds the
   * original made): lines that are not {@code name: command} and empty commands are skipped,
   * names may hold {@code [A-Za-z0-9_.-]} of any length, and the first of repeated names wins.
   * The result may hold names {@link #parse} refuses, so its {@link #format()} need not parse
   * strictly.
   *
   * @param text the file's content
   * @return the Procfile; never fails
   */
  public static Procfile parseLenient(String text) {
    SortedMap<String, String> types = new TreeMap<>();
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LENIENT_LINE.matcher(line);
      if (m.matches() && !m.group(2).isEmpty()) {
        types.putIfAbsent(m.group(1), m.group(2));
      }
    }
    return new Procfile(types);
  }

  /**
   * A Procfile of those process types, checked as {@link #parse} checks a file's lines.
   *
   * @param processTypes proc type name to command
   * @return a Procfile holding them, held to the rules of {@link #parse}
   * @throws InvalidProcfileException for an invalid name or a command that is empty or not one
   *     trimmed line
   */
  public static Procfile of(Map<String, String> processTypes) {
    SortedMap<String, String> sorted = new TreeMap<>(processTypes);
    Procfile p = parse(format(sorted));
    if (!p.processTypes.equals(sorted)) {
      throw new InvalidProcfileException(0, sorted.toString(),
          "commands must be one trimmed line each");
    }
    return p;
  }

  /** Proc type name to command, sorted by name. */
  public SortedMap<String, String> processTypes() {
    return processTypes;
  }

  /**
   * The command of that proc type.
   *
   * @param procType a proc type name
   * @return its command, if the Procfile has that type
   */
  public Optional<String> command(String procType) {
    return Optional.ofNullable(processTypes.get(procType));
  }

  /** Whether no proc type is defined. */
  public boolean isEmpty() {
    return processTypes.isEmpty();
  }

  /** The Procfile text: one {@code name: command} line per type, sorted by name. */
  public String format() {
    return format(processTypes);
  }

  private static String format(Map<String, String> types) {
    StringBuilder b = new StringBuilder();
    types.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  /** Whether {@code o} is a Procfile with the same proc types and commands. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Procfile p && p.processTypes.equals(processTypes);
  }

  /** A hash of the proc types and their commands, consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return processTypes.hashCode();
  }

  /** The Procfile text, as {@link #format()} writes it. */
  @Override
  public String toString() {
    return format();
  }
}
