package io.velociraptor.lxc;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts a build or image tarball under one directory and nowhere else: entries that are
 * absolute or climb with {@code ..}, relative symlinks that point above the root, hard links to
 * outside, device nodes, fifos, entries of any other type, and names or link targets holding a
 * control character (a newline) are rejected, naming the entry; nothing is ever written through a
 * symlink.
 * Absolute symlink targets are kept: inside a container they resolve against the container root.
 */
final class SafeUntar {
  private SafeUntar() {}

  static void extract(Path tarball, Path into) {
    Files2.mkdirs(into);
    Path root = into.toAbsolutePath().normalize();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tarball, LinkOption.NOFOLLOW_LINKS));
        TarArchiveInputStream tar = new TarArchiveInputStream(decompress(tarball, raw))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName();
        Path target = resolveInside(tarball, root, name);
        if (target.equals(root)) {
          continue;
        }
        ensureParentsAreRealDirs(tarball, root, target);
        if (e.isDirectory()) {
          if (Files.isSymbolicLink(target)) {
            throw unsafe(tarball, name, "is a directory over an existing symlink");
          }
          Files.createDirectories(target);
          chmod(target, e.getMode() | 0700);
        } else if (e.isSymbolicLink()) {
          String link = e.getLinkName();
          requireNoControlCharacter(tarball, name, link, "symlink target");
          if (!link.startsWith("/")) {
            Path resolved = target.getParent().resolve(link).normalize();
            if (!resolved.startsWith(root)) {
              throw unsafe(tarball, name, "is a symlink to " + link + ", outside the archive");
            }
          }
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(link));
        } else if (e.isLink()) {
          Path source = resolveInside(tarball, root, e.getLinkName());
          if (source.equals(root) || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw unsafe(tarball, name, "is a hard link to " + e.getLinkName()
                + ", which is not a regular file extracted earlier");
          }
          ensureParentsAreRealDirs(tarball, root, source);
          Files.deleteIfExists(target);
          Files.createLink(target, source);
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
          // no business in a build; the container gets its /dev from LXC
          throw unsafe(tarball, name, "is a device node or fifo");
        } else if (isRegularFile(e)) {
          Files.deleteIfExists(target);
          try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            tar.transferTo(out);
          }
          chmod(target, e.getMode() | 0400);
        } else {
          // commons-compress calls any entry not named like a directory a file: a type it does
          // not know would be extracted as an empty file
          throw unsafe(tarball, name, "has the tar entry type '" + (char) e.getLinkFlag()
              + "', which is not a file, directory or link");
        }
      }
    } catch (FileAlreadyExistsException e) {
      throw unsafe(tarball, e.getFile(), "exists twice or over a symlink");
    } catch (IOException e) {
      throw RunnerException.failed(tarball.toString(),
          "cannot extract " + tarball + " into " + into + ": " + e, e);
    }
  }

  private static InputStream decompress(Path tarball, InputStream raw) throws IOException {
    String n = tarball.getFileName().toString();
    if (n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".gz")) {
      return new GzipCompressorInputStream(raw);
    }
    if (n.endsWith(".tar.bz2") || n.endsWith(".tbz2") || n.endsWith(".bz2")) {
      return new BZip2CompressorInputStream(raw);
    }
    if (n.endsWith(".tar")) {
      return raw;
    }
    throw RunnerException.badValue("tarball", tarball,
        "has an unsupported extension; use .tar.gz, .tgz, .tar.bz2 or .tar");
  }

  private static boolean isRegularFile(TarArchiveEntry e) {
    byte t = e.getLinkFlag();
    return t == TarConstants.LF_NORMAL || t == TarConstants.LF_OLDNORM
        || t == TarConstants.LF_CONTIG;
  }

  private static Path resolveInside(Path tarball, Path root, String name) {
    if (name.startsWith("/")) {
      throw unsafe(tarball, name, "is an absolute path");
    }
    if (name.indexOf('\\') >= 0) {
      throw unsafe(tarball, name, "contains a backslash");
    }
    requireNoControlCharacter(tarball, name, name, "name");
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw unsafe(tarball, name, "climbs out of the archive with '..'");
      }
    }
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root)) {
      throw unsafe(tarball, name, "resolves outside the archive");
    }
    return p;
  }

  /** A newline in a name breaks every line-based tool and log that shows it: refused. */
  private static void requireNoControlCharacter(Path tarball, String entry, String s,
      String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw unsafe(tarball, entry, "has a " + what + " holding a control character");
      }
    }
  }

  /** Every existing ancestor below the root must be a real directory, never a symlink. */
  private static void ensureParentsAreRealDirs(Path tarball, Path root, Path target) throws IOException {
    Path rel = root.relativize(target.getParent() == null ? root : target.getParent());
    Path p = root;
    for (Path part : rel) {
      if (part.toString().isEmpty()) {
        continue;
      }
      p = p.resolve(part);
      if (Files.isSymbolicLink(p)) {
        throw unsafe(tarball, root.relativize(target).toString(),
            "would be written through the symlink " + root.relativize(p));
      }
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(p);
      } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        throw unsafe(tarball, root.relativize(target).toString(),
            "has a parent that is not a directory: " + root.relativize(p));
      }
    }
  }

  private static void chmod(Path p, int mode) throws IOException {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < all.length; i++) {
      if ((mode & (1 << i)) != 0) {
        s.add(all[i]);
      }
    }
    Files.setPosixFilePermissions(p, s);
  }

  private static RunnerException unsafe(Path tarball, String entry, String why) {
    return new RunnerException(tarball.toString(), entry,
        "refusing to extract " + tarball + ": entry " + RunnerException.quote(entry) + " " + why);
  }
}
