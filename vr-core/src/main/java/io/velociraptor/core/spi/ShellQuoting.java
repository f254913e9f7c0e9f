package io.velociraptor.core.spi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * POSIX shell quoting: turns strings into words a POSIX shell ({@code sh}, {@code dash},
 * {@code bash}) reads back byte for byte, whatever they hold (spaces, quotes, {@code $()},
 * backticks, {@code ;}, newlines, glob characters, non-ASCII, the empty string).
 */
public final class ShellQuoting {

  private ShellQuoting() {}

  /**
   * Quotes one word. Words made only of {@code [A-Za-z0-9_./:,@+-]} are left bare (no {@code =},
   * so a bare word is never read as an assignment); everything else is single-quoted, with each {@code '} written as
   * {@code '\''}.
   *
   * @param word any string without NUL
   * @return the quoted word
   * @throws IllegalArgumentException if the word holds a NUL character, which no shell word can
   */
  public static String quote(String word) {
    if (word.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a shell word cannot hold a NUL character");
    }
    if (!word.isEmpty() && isBare(word)) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /**
   * Quotes each word and joins them with single spaces.
   *
   * @param words the words
   * @return a command line
   * @throws IllegalArgumentException if a word holds a NUL character
   */
  public static String join(List<String> words) {
    return words.stream().map(ShellQuoting::quote).collect(Collectors.joining(" "));
  }

  private static boolean isBare(String word) {
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '/' || c == ':' || c == ',' || c == '@'
          || c == '+' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
