package io.velociraptor.lxc;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/** Resolves user and group names against the passwd and group files of the proc's root. */
final class Passwd {
  private Passwd() {}

  /** @return {uid, gid} */
  static int[] resolve(Path etc, String user, Optional<String> group) {
    String[] pw = user.chars().allMatch(Character::isDigit)
        ? findById(etc.resolve("passwd"), user).orElse(new String[] {user, "x", user, user})
        : find(etc.resolve("passwd"), user).orElseThrow(() -> RunnerException.badValue("user", user,
            "does not exist in " + etc.resolve("passwd") + "; create it in the image or host, or pick another run_as user"));
    int uid = Integer.parseInt(pw[2]);
    int gid = Integer.parseInt(pw[3]);
    if (group.isPresent()) {
      String g = group.get();
      if (g.chars().allMatch(Character::isDigit)) {
        gid = Integer.parseInt(g);
      } else {
        Optional<String[]> gr = find(etc.resolve("group"), g);
        if (gr.isPresent()) {
          gid = Integer.parseInt(gr.get()[2]);
        } else if (!g.equals("nogroup")) {
          // "nogroup" is what the original always wrote; images without it keep the user's group
          throw RunnerException.badValue("group", g, "does not exist in " + etc.resolve("group"));
        }
      }
    }
    return new int[] {uid, gid};
  }

  private static Optional<String[]> find(Path file, String name) {
    return lines(file).stream().map(l -> l.split(":", -1))
        .filter(f -> f.length >= 3 && f[0].equals(name) && isNum(f[2])
            && (file.endsWith("group") || (f.length >= 4 && isNum(f[3]))))
        .findFirst();
  }

  private static Optional<String[]> findById(Path file, String id) {
    return lines(file).stream().map(l -> l.split(":", -1))
        .filter(f -> f.length >= 4 && f[2].equals(id) && isNum(f[3])).findFirst();
  }

  private static java.util.List<String> lines(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return java.util.List.of();
    }
    return java.util.List.of(Files2.readSmallText(file, 4 << 20).split("\n"));
  }

  private static boolean isNum(String s) {
    return !s.isEmpty() && s.length() < 11 && s.chars().allMatch(Character::isDigit);
  }
}
