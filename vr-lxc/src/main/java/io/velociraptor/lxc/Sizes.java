package io.velociraptor.lxc;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes as the original wrote them ("256M", "1G", "1048576"). */
final class Sizes {
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})\\s*([KMGT]?)(?:i?B)?",
      Pattern.CASE_INSENSITIVE);
  private static final long MIN = 4L << 20;

  private Sizes() {}

  static long parseBytes(String key, String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw RunnerException.badValue(key, text, "is not a size such as 256M, 1G or a byte count");
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw RunnerException.badValue(key, text, "is too large");
    }
    long bytes = n << shift;
    if (bytes < MIN) {
      throw RunnerException.badValue(key, text, "is below the 4M minimum a proc can start in");
    }
    return bytes;
  }
}
