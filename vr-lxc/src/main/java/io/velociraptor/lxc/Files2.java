package io.velociraptor.lxc;

import io.velociraptor.core.local.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small file helpers: atomic writes, symlink-safe reads and deletes, digests. */
final class Files2 {
  private Files2() {}

  /** Writes through a temp file and an atomic rename, so readers never see half a file. */
  static void writeAtomically(Path target, String content, String perms) {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(perms));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw RunnerException.failed(target.toString(), "cannot write " + target + ": " + e, e);
    }
  }

  /** Reads a regular file (never through a symlink) of at most {@code max} bytes. */
  static String readSmallText(Path file, int max) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile()) {
        throw RunnerException.failed(file.toString(), file + " is not a regular file");
      }
      if (a.size() > max) {
        throw RunnerException.failed(file.toString(), file + " is larger than " + max + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw RunnerException.failed(file.toString(), file + " does not exist");
    } catch (IOException e) {
      throw RunnerException.failed(file.toString(), "cannot read " + file + ": " + e, e);
    }
  }

  /** Deletes a tree without following symlinks ({@link FileTrees#deleteTree}); a missing tree is fine. */
  static void deleteTree(Path root) {
    try {
      FileTrees.deleteTree(root);
    } catch (IOException e) {
      throw RunnerException.failed(root.toString(), "cannot remove " + root + ": " + e, e);
    }
  }

  static String digest(Path file, String algorithm) {
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      MessageDigest md = MessageDigest.getInstance(algorithm);
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        md.update(buf, 0, r);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw RunnerException.failed(file.toString(), "cannot read " + file + ": " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * True if every component below {@code base} is a real directory, never a symlink: paths
   * inside an unpacked build or image are only followed on the host when this holds.
   */
  static boolean isRealDirBelow(Path base, String relative) {
    Path p = base;
    for (String part : relative.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      p = p.resolve(part);
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
    }
    return true;
  }

  static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw RunnerException.failed(dir.toString(), "cannot create " + dir + ": " + e, e);
    }
  }
}
