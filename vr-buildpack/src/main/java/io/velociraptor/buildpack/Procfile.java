package io.velociraptor.buildpack;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An app's {@code Procfile}: one {@code name: command} line per proc type. Blank lines and lines
 * starting with {@code #} are ignored; the command is everything after the first colon, trimmed,
 * kept verbatim (it is not YAML, so {@code {}}, {@code &}, {@code *}, quotes and further colons
 * are just part of the command). Proc type names are {@code [A-Za-z0-9_.]{1,64}}.
 */
public final class Procfile {
  private static final Pattern LINE = Pattern.compile("([^:\\s]+)\\s*:(.*)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");

  private final SortedMap<String, String> processTypes;

  private Procfile(SortedMap<String, String> processTypes) {
    this.processTypes = Collections.unmodifiableSortedMap(processTypes);
  }

  /**
   * Parses a Procfile's text.
   *
   * @param text the file's content
   * @return the Procfile
   * @throws InvalidBuildInputException naming the line for a line that is not
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
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new InvalidBuildInputException("Procfile", lineNo, line,
            "expected 'name: command'");
      }
      String name = m.group(1);
      String command = m.group(2).strip();
      if (!NAME.matcher(name).matches()) {
        throw new InvalidBuildInputException("Procfile", lineNo, name,
            "a proc type name may hold only letters, digits, '_' and '.' (1 to 64 of them)"
                + (name.contains("-") ? "; use '_' instead of '-'" : ""));
      }
      if (command.isEmpty()) {
        throw new InvalidBuildInputException("Procfile", lineNo, line,
            "proc type '" + name + "' has an empty command");
      }
      Integer earlier = seenAt.put(name, lineNo);
      if (earlier != null) {
        throw new InvalidBuildInputException("Procfile", lineNo, name,
            "proc type '" + name + "' is defined twice (first on line " + earlier + ")");
      }
      types.put(name, command);
    }
    return new Procfile(types);
  }

  /**
   * @param processTypes proc type name to command
   * @return a Procfile holding them
   * @throws InvalidBuildInputException for an invalid name or a command that is empty or spans
   *     lines
   */
  public static Procfile of(Map<String, String> processTypes) {
    Procfile p = parse(format(new TreeMap<>(processTypes)));
    if (!p.processTypes.equals(new TreeMap<>(processTypes))) {
      throw new InvalidBuildInputException("Procfile", 0, processTypes.toString(),
          "commands must be one trimmed line each");
    }
    return p;
  }

  /** @return proc type name to command, sorted by name */
  public SortedMap<String, String> processTypes() {
    return processTypes;
  }

  /** @return whether no proc type is defined */
  public boolean isEmpty() {
    return processTypes.isEmpty();
  }

  /** @return the Procfile text: one {@code name: command} line per type, sorted by name */
  public String format() {
    return format(processTypes);
  }

  private static String format(Map<String, String> types) {
    StringBuilder b = new StringBuilder();
    types.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Procfile p && p.processTypes.equals(processTypes);
  }

  @Override
  public int hashCode() {
    return processTypes.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }
}
