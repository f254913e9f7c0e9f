package io.velociraptor.lxc;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heroku's Procfile format, line by line ({@code type: command}), not YAML like the original. */
final class Procfile {
  private static final Pattern LINE = Pattern.compile("^([A-Za-z0-9_.-]+)\\s*:\\s*(.*?)\\s*$");

  private Procfile() {}

  static Map<String, String> parse(String text) {
    Map<String, String> types = new TreeMap<>();
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (m.matches() && !m.group(2).isEmpty()) {
        types.putIfAbsent(m.group(1), m.group(2));
      }
    }
    return types;
  }
}
