package io.velociraptor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generator of strings that break naive quoting: spaces, quotes, {@code $()}, backticks,
 * {@code ;}, newlines, globs, options, control characters, non-ASCII (including characters
 * outside the BMP) and the empty string; never NUL, which no argv can carry. Comes with a
 * {@link Gen} and a {@link Shrinker} for {@link PropertyRunner}, so a failing argv is reported
 * minimal.
 */
public final class HostileStrings {

  private static final String[] FRAGMENTS = {
    " ", "  ", "\t", "\n", "\r\n", "'", "''", "\"", "\\", "\\'", "$", "$(id)", "$(echo pwned)",
    "`id`", "${HOME}", "$HOME", "$1", "$@", "$*", "$$", "$?", ";", ";;", "&", "&&", "|", "||",
    ">", ">>", "<", "<<EOF", "(", ")", "{", "}", "[", "]", "[a-z]", "*", "?", "~", "~root",
    "#", "!", "!!", "%", "%s", "%d", "%%", "=", "a=b", "-", "--", "-n", "-e", "--help", "/",
    "..", ".", ",", ":", "@", "^", "é", "ünïcödé", "✓", "日本語", "😀", "\u00a0", "\u2028",
    "\u0001", "\u001b[31m", "\u007f", "rm -rf /", "'; exit 1; '", "\"$(touch /tmp/x)\"",
    "abc", "X", "0", "123"
  };

  private HostileStrings() {}

  /**
   * A string of 0 to 6 parts, each a hostile fragment (format specifiers, shell metacharacters,
   * escapes, control characters, non-ASCII, emoji) or, one time in five, a random code point (never a
   * lone surrogate).
   *
   * @param random the seeded source
   * @return a string of 0 to 6 hostile fragments and random code points
   */
  public static String next(SplittableRandom random) {
    int parts = random.nextInt(7);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < parts; i++) {
      if (random.nextInt(5) == 0) {
        s.appendCodePoint(randomCodePoint(random));
      } else {
        s.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
      }
    }
    return s.toString();
  }

  /**
   * A list of 0 to {@code max} strings made by {@link #next}.
   *
   * @param random the seeded source
   * @param max the most strings to return
   * @return 0 to {@code max} hostile strings
   */
  public static List<String> nextList(SplittableRandom random, int max) {
    int n = random.nextInt(max + 1);
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(next(random));
    }
    return list;
  }

  private static int randomCodePoint(SplittableRandom random) {
    while (true) {
      int cp = random.nextInt(4) == 0 ? random.nextInt(1, 0x110000) : random.nextInt(1, 0x800);
      if (cp < 0xD800 || cp > 0xDFFF) {
        return cp; // no lone surrogates: they are not valid UTF-8
      }
    }
  }

  /**
   * Single strings made by {@link #next}, not scaled by size, with no shrinker.
   *
   * @return a generator of single hostile strings, for {@link PropertyRunner}
   */
  public static Gen<String> strings() {
    return (random, size) -> next(random);
  }

  /**
   * Lists of 0 to {@code max} strings made by {@link #nextList}, not scaled by size, that shrink with
   * {@link #shrinker()}.
   *
   * @param max the most strings per list
   * @return a generator of lists of 0 to {@code max} hostile strings, for {@link PropertyRunner}
   */
  public static Gen<List<String>> lists(int max) {
    Gen<List<String>> lists = (random, size) -> nextList(random, max);
    return lists.shrinkingWith(shrinker());
  }

  /**
   * Shrinks a failing list of strings: drops whole strings, then single code points.
   *
   * @return the shrinker
   */
  public static Shrinker<List<String>> shrinker() {
    Shrinker<List<String>> shorter = list -> {
      List<List<String>> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        int[] cps = list.get(i).codePoints().toArray();
        for (int j = 0; j < cps.length; j++) {
          StringBuilder b = new StringBuilder();
          for (int k = 0; k < cps.length; k++) {
            if (k != j) {
              b.appendCodePoint(cps[k]);
            }
          }
          List<String> copy = new ArrayList<>(list);
          copy.set(i, b.toString());
          out.add(copy);
        }
      }
      return out.stream();
    };
    return Shrinker.<String>dropElements().or(shorter);
  }

  /**
   * The strings as a {@code List.of(...)} expression of Java string literals, with quotes and backslashes escaped
   * and every code point outside printable ASCII written as Java Unicode escapes.
   *
   * @param strings strings to show
   * @return them as Java string literals, so a failure can be pasted into a test
   */
  public static String javaLiterals(List<String> strings) {
    List<String> out = new ArrayList<>();
    for (String s : strings) {
      StringBuilder b = new StringBuilder("\"");
      s.codePoints().forEach(cp -> {
        if (cp == '"' || cp == '\\') {
          b.append('\\').appendCodePoint(cp);
        } else if (cp >= 0x20 && cp < 0x7f) {
          b.appendCodePoint(cp);
        } else {
          for (char c : Character.toChars(cp)) {
            b.append(String.format("\\u%04x", (int) c));
          }
        }
      });
      out.add(b.append('"').toString());
    }
    return "List.of(" + String.join(", ", out) + ")";
  }
}
