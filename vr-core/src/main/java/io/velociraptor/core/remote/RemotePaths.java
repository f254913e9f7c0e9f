package io.velociraptor.core.remote;

import io.velociraptor.core.spi.PathRefusedException;
import java.util.ArrayDeque;
import java.util.Deque;

/** Checks and normalizes host paths (POSIX syntax, whatever the local platform). */
final class RemotePaths {
  private RemotePaths() {}

  /**
   * Normalizes an absolute path lexically: collapses {@code //}, drops {@code .}, resolves
   * {@code ..} (never above {@code /}).
   */
  static String normalize(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return "/" + String.join("/", parts);
  }

  /** A path any operation accepts: non-empty, absolute, no NUL. Returns it unchanged. */
  static String checkAbsolute(String host, String operation, String path) {
    if (path == null || path.isEmpty()) {
      throw new PathRefusedException(host, operation, "", "the path is empty");
    }
    if (path.indexOf('\0') >= 0) {
      throw new PathRefusedException(
          host, operation, path.replace("\0", "\\0"), "the path holds a NUL character");
    }
    if (!path.startsWith("/")) {
      throw new PathRefusedException(host, operation, path, "the path is not absolute");
    }
    return path;
  }

  /** A path a file can be written to: absolute, not {@code /}, not ending in {@code /}. */
  static String checkFile(String host, String operation, String path) {
    checkAbsolute(host, operation, path);
    if (normalize(path).equals("/")) {
      throw new PathRefusedException(host, operation, path, "the path is the root directory");
    }
    if (path.endsWith("/")) {
      throw new PathRefusedException(host, operation, path, "the path names a directory");
    }
    return path;
  }

  /** The normalized root a runner confines removal to. */
  static String checkRoot(String root) {
    if (root == null || !root.startsWith("/") || root.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("the root must be an absolute path: '" + root + "'");
    }
    return normalize(root);
  }

  /**
   * A path {@code remove} may touch, judged lexically: absolute, not {@code /}, strictly inside
   * {@code root}. Returns the normalized path.
   */
  static String checkRemovable(String host, String root, String path) {
    checkAbsolute(host, "remove", path);
    String normal = normalize(path);
    if (normal.equals("/")) {
      throw new PathRefusedException(host, "remove", path, "the path is the root directory");
    }
    if (!isStrictlyInside(root, normal)) {
      throw new PathRefusedException(host, "remove", path,
          "the path is not inside the runner's root " + root);
    }
    return normal;
  }

  static boolean isStrictlyInside(String root, String normalPath) {
    String prefix = root.equals("/") ? "/" : root + "/";
    return normalPath.startsWith(prefix) && normalPath.length() > prefix.length();
  }

  static String parent(String normalPath) {
    int slash = normalPath.lastIndexOf('/');
    return slash == 0 ? "/" : normalPath.substring(0, slash);
  }

  static String fileName(String normalPath) {
    return normalPath.substring(normalPath.lastIndexOf('/') + 1);
  }

  static int checkMode(int mode) {
    if (mode < 0 || mode > 0777) {
      throw new IllegalArgumentException(
          "a file mode must be within 0..0777 (octal), got 0" + Integer.toOctalString(mode));
    }
    return mode;
  }
}
