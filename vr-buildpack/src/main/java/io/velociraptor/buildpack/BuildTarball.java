package io.velociraptor.buildpack;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Reproducible build tarballs: a gzipped tar of a build directory whose bytes depend only on the
 * directory's names, contents, symlink targets and executable bits. Entries are sorted by name
 * (depth first), every mtime is {@link #MTIME}, owner and group are 0 with no names, directories
 * are 0755, files 0755 when the owner may execute them and 0644 otherwise, symlinks are stored as
 * symlinks (never followed). Names are relative ({@code Procfile}, {@code bin/run}). Names or link
 * targets holding control characters, relative symlinks that point above the build directory,
 * and special files (fifos, sockets, devices), are refused naming the path.
 */
public final class BuildTarball {

  /** The mtime of every entry: 1980-01-01T00:00:00Z, like other reproducible-build tools. */
  public static final Instant MTIME = Instant.parse("1980-01-01T00:00:00Z");

  /**
   * What {@link #write} produced.
   *
   * @param md5 lowercase hex md5 of the tarball
   * @param sha256 lowercase hex sha256 of the tarball
   * @param size tarball size in bytes
   * @param entries number of entries
   */
  public record Digest(String md5, String sha256, long size, int entries) {}

  private BuildTarball() {}

  /**
   * Writes a tarball of {@code buildDir}'s contents.
   *
   * @param buildDir the directory to pack
   * @param tarball the file to write (replaced if it exists)
   * @return its hashes and size
   * @throws InvalidBuildInputException for a hostile name or link target, or a special file
   * @throws UncheckedIOException if reading or writing fails
   */
  public static Digest write(Path buildDir, Path tarball) {
    MessageDigest md5 = digest("MD5");
    MessageDigest sha256 = digest("SHA-256");
    int[] count = {0};
    try (OutputStream file = Files.newOutputStream(tarball);
        CountingOutputStream counted = new CountingOutputStream(new BufferedOutputStream(
            new DigestOutputStream(new DigestOutputStream(file, md5), sha256), 1 << 16));
        GZIPOutputStream gz = new GZIPOutputStream(counted, 1 << 16);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      addChildren(tar, buildDir, "", count);
      tar.finish();
      gz.finish();
      counted.flush();
      return new Digest(HexFormat.of().formatHex(md5.digest()),
          HexFormat.of().formatHex(sha256.digest()), counted.count, count[0]);
    } catch (IOException e) {
      throw new UncheckedIOException("writing build tarball " + tarball + " from " + buildDir
          + " failed", e);
    }
  }

  private static void addChildren(TarArchiveOutputStream tar, Path dir, String prefix, int[] count)
      throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = new ArrayList<>(s.toList());
    }
    children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    for (Path child : children) {
      String name = prefix + child.getFileName().toString();
      requireSafeName(name, "name");
      BasicFileAttributes attrs =
          Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      TarArchiveEntry e;
      if (attrs.isSymbolicLink()) {
        String target = Files.readSymbolicLink(child).toString();
        requireSafeName(target, "symlink target of '" + name + "'");
        requireInside(name, target, "build directory");
        e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0120777);
      } else if (attrs.isDirectory()) {
        e = new TarArchiveEntry(name + "/");
        e.setMode(040755);
      } else if (attrs.isRegularFile()) {
        e = new TarArchiveEntry(name);
        e.setSize(attrs.size());
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(child,
            LinkOption.NOFOLLOW_LINKS);
        e.setMode(perms.contains(PosixFilePermission.OWNER_EXECUTE) ? 0100755 : 0100644);
      } else {
        throw new InvalidBuildInputException("build directory", 0, name,
            "is a special file (fifo, socket or device), which a build cannot hold; remove it"
                + " in the buildpack or list it in .slugignore");
      }
      e.setModTime(FileTime.from(MTIME));
      e.setUserId(0);
      e.setGroupId(0);
      e.setUserName("");
      e.setGroupName("");
      tar.putArchiveEntry(e);
      if (attrs.isRegularFile()) {
        try (InputStream in = Files.newInputStream(child, LinkOption.NOFOLLOW_LINKS)) {
          long copied = in.transferTo(tar);
          if (copied != attrs.size()) {
            throw new IOException(child + " changed size while being packed");
          }
        }
      }
      tar.closeArchiveEntry();
      count[0]++;
      if (attrs.isDirectory()) {
        addChildren(tar, child, name + "/", count);
      }
    }
  }

  /**
   * Lists a tarball's entry names, checking that none could escape the directory it is extracted
   * to.
   *
   * @param tarball a gzipped tar
   * @return entry names in tarball order
   * @throws InvalidBuildInputException naming the first hostile entry: an absolute name, a
   *     {@code ..} segment, control characters, a hard link, a device or fifo, or a relative
   *     symlink that points outside
   * @throws UncheckedIOException if the tarball cannot be read
   */
  public static List<String> entries(Path tarball) {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream tar = open(tarball)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        checkEntry(e);
        names.add(e.getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading build tarball " + tarball + " failed", e);
    }
    return List.copyOf(names);
  }

  /**
   * Extracts a build tarball into a directory, refusing hostile entries and never writing through
   * a symlink.
   *
   * @param tarball a gzipped tar
   * @param dir the directory to extract into (created if missing)
   * @throws InvalidBuildInputException naming a hostile entry
   * @throws UncheckedIOException if reading or writing fails
   */
  public static void extract(Path tarball, Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    try (TarArchiveInputStream tar = open(tarball)) {
      Files.createDirectories(root);
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        checkEntry(e);
        String name = e.getName();
        while (name.endsWith("/")) {
          name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.equals(".")) {
          continue;
        }
        Path target = root.resolve(name).normalize();
        Path parent = target.getParent();
        for (Path p = parent; p != null && !p.equals(root); p = p.getParent()) {
          if (Files.isSymbolicLink(p)) {
            throw new InvalidBuildInputException("build tarball", 0, e.getName(),
                "entry would be written through the symlink " + root.relativize(p));
          }
        }
        Files.createDirectories(parent);
        if (e.isDirectory()) {
          Files.createDirectories(target);
          Files.setPosixFilePermissions(target, perms(e.getMode()));
        } else if (e.isSymbolicLink()) {
          Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else {
          Files.copy(tar, target);
          Files.setPosixFilePermissions(target, perms(e.getMode()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("extracting build tarball " + tarball + " to " + dir
          + " failed", e);
    }
  }

  private static TarArchiveInputStream open(Path tarball) throws IOException {
    return new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(
        Files.newInputStream(tarball), 1 << 16)), "UTF-8");
  }

  private static void checkEntry(TarArchiveEntry e) {
    String name = e.getName();
    requireSafeName(name, "entry name");
    if (name.startsWith("/")) {
      throw new InvalidBuildInputException("build tarball", 0, name, "absolute entry name");
    }
    for (String seg : name.split("/")) {
      if (seg.equals("..")) {
        throw new InvalidBuildInputException("build tarball", 0, name,
            "entry name climbs out with '..'");
      }
    }
    if (e.isLink() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
      throw new InvalidBuildInputException("build tarball", 0, name,
          "hard links, devices and fifos are not allowed in a build");
    }
    if (e.isSymbolicLink()) {
      requireSafeName(e.getLinkName(), "symlink target of '" + name + "'");
      requireInside(name, e.getLinkName(), "build tarball");
    }
  }

  /**
   * Refuses a relative symlink whose target climbs above the tree's root, resolved as the runner
   * resolves it (lexically, from the link's directory); absolute targets resolve inside the
   * container and are kept.
   */
  private static void requireInside(String name, String target, String source) {
    if (target.startsWith("/")) {
      return;
    }
    Path dir = Path.of(name).getParent();
    Path resolved = (dir == null ? Path.of(target) : dir.resolve(target)).normalize();
    if (resolved.getNameCount() > 0 && resolved.getName(0).toString().equals("..")) {
      throw new InvalidBuildInputException(source, 0, name, "is a relative symlink to '"
          + target + "', which points outside the build (the runner refuses it at deploy);"
          + " make it point inside the build or use an absolute path");
    }
  }

  private static void requireSafeName(String name, String what) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\uFFFD') {
        throw new InvalidBuildInputException("build directory", 0, escape(name),
            what + " holds a control character or bytes that are not UTF-8; rename it in the"
                + " app or buildpack, or list it in .slugignore");
      }
    }
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static Set<PosixFilePermission> perms(int mode) {
    StringBuilder b = new StringBuilder();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      b.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(b.toString());
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every JDK", e);
    }
  }

  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
