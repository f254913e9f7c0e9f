package io.velociraptor.buildpack;

import io.velociraptor.core.local.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An app's {@code .slugignore}: paths removed from the build directory after compile, before
 * the tarball is made. Heroku's format, which is {@code .gitignore}'s without negation:
 *
 * <ul>
 *   <li>blank lines and lines starting with {@code #} are ignored (never "delete everything");
 *   <li>a pattern without a {@code /} (other than a trailing one) matches a name at any depth;
 *       one with a {@code /} is relative to the build directory (a leading {@code /} is
 *       optional);
 *   <li>a trailing {@code /} matches directories only;
 *   <li>{@code *} and {@code ?} match within one path segment, {@code [a-z]} is a class,
 *       {@code **} matches any number of directories, {@code \} escapes;
 *   <li>{@code !} (negation) is not supported and is rejected.
 * </ul>
 *
 * Only paths inside the build directory are ever removed; symlinks are removed as links and
 * never followed, and the build directory itself is never removed.
 */
public final class SlugIgnore {

  private record Rule(String text, Pattern regex, boolean dirOnly, boolean anchored) {}

  private final List<Rule> rules;

  private SlugIgnore(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Parses the text of a {@code .slugignore} file.
   *
   * @param text the file's content
   * @return the parsed rules
   * @throws InvalidBuildInputException naming the line for a negation or an unclosed class
   */
  public static SlugIgnore parse(String text) {
    List<Rule> rules = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip();
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("!")) {
        throw new InvalidBuildInputException(".slugignore", i + 1, line,
            "negation ('!') is not supported in .slugignore");
      }
      String p = line;
      boolean dirOnly = p.endsWith("/");
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      boolean anchored = p.contains("/");
      while (p.startsWith("/")) {
        p = p.substring(1);
      }
      if (p.isEmpty()) {
        continue; // "/" alone would name the build directory itself, which is never removed
      }
      rules.add(new Rule(line, Pattern.compile(toRegex(p, i + 1, line)), dirOnly, anchored));
    }
    return new SlugIgnore(rules);
  }

  /**
   * Returns an empty rule set.
   *
   * @return an empty rule set
   */
  public static SlugIgnore none() {
    return new SlugIgnore(List.of());
  }

  /** Whether there are no rules. */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * Whether a path is ignored by a rule of its own (a path inside an ignored directory is removed
   * with the directory but does not match by itself).
   *
   * @param relativePath the path relative to the build directory, segments separated by {@code /}
   * @param directory whether the path is a directory (a symlink is not)
   * @return whether a rule matches it
   */
  public boolean matches(String relativePath, boolean directory) {
    String name = relativePath.substring(relativePath.lastIndexOf('/') + 1);
    for (Rule r : rules) {
      if (r.dirOnly && !directory) {
        continue;
      }
      String subject = r.anchored ? relativePath : name;
      if (r.regex.matcher(subject).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes every path under {@code buildDir} that a rule matches.
   *
   * @param buildDir the build directory
   * @return the removed paths relative to {@code buildDir}, sorted
   * @throws UncheckedIOException if a path cannot be removed
   */
  public List<String> apply(Path buildDir) {
    List<String> removed = new ArrayList<>();
    if (rules.isEmpty()) {
      return removed;
    }
    try {
      walk(buildDir, buildDir, removed);
    } catch (IOException e) {
      throw new UncheckedIOException("applying .slugignore in " + buildDir + " failed", e);
    }
    removed.sort(null);
    return List.copyOf(removed);
  }

  private void walk(Path root, Path dir, List<String> removed) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path child : children) {
      String rel = root.relativize(child).toString();
      boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
      if (matches(rel, isDir)) {
        FileTrees.deleteTree(child);
        removed.add(rel);
      } else if (isDir) {
        walk(root, child, removed);
      }
    }
  }

  private static String toRegex(String p, int lineNo, String line) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      if (c == '*' && i + 1 < n && p.charAt(i + 1) == '*'
          && (i == 0 || p.charAt(i - 1) == '/')
          && (i + 2 == n || p.charAt(i + 2) == '/')) {
        if (i + 2 == n) {
          re.append(".*"); // trailing "/**": everything inside
          i += 2;
        } else {
          re.append("(?:.*/)?"); // "**/": zero or more directories
          i += 3;
        }
        continue;
      }
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (i + 1 < n) {
            re.append(Pattern.quote(String.valueOf(p.charAt(++i))));
          } else {
            re.append(Pattern.quote("\\"));
          }
        }
        case '[' -> {
          int close = p.indexOf(']', i + 2);
          if (close < 0) {
            throw new InvalidBuildInputException(".slugignore", lineNo, line,
                "unclosed '[' character class");
          }
          String body = p.substring(i + 1, close);
          StringBuilder cls = new StringBuilder("(?![/])[");
          int j = 0;
          if (body.startsWith("!") || body.startsWith("^")) {
            cls.append('^');
            j = 1;
          }
          for (; j < body.length(); j++) {
            char b = body.charAt(j);
            if (b == '-' && j > 0 && j < body.length() - 1) {
              cls.append('-');
            } else if (Character.isLetterOrDigit(b)) {
              cls.append(b);
            } else {
              cls.append('\\').append(b);
            }
          }
          re.append(cls).append(']');
          i = close;
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
      i++;
    }
    return re.toString();
  }

  /** The rules as written, for messages. */
  @Override
  public String toString() {
    return rules.stream().map(Rule::text).toList().toString();
  }
}
