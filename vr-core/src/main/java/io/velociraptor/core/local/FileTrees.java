package io.velociraptor.core.local;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * File tree helpers for this machine's disk that never follow symlinks, so a hostile tree cannot
 * reach outside itself.
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * A tree to copy holds a special file (fifo, socket, device), which a copy cannot hold.
   */
  public static final class SpecialFileException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The tree being copied. */
    private final transient Path tree;
    /** The special file's path relative to the tree. */
    private final String relative;

    SpecialFileException(Path tree, String relative) {
      super(tree + ": '" + relative + "' is a special file (fifo, socket or device)");
      this.tree = tree;
      this.relative = relative;
    }

    /** The tree being copied. */
    public Path tree() {
      return tree;
    }

    /** The special file's path relative to the tree. */
    public String relative() {
      return relative;
    }
  }

  /**
   * Deletes a file, a symlink (not its target) or a directory tree; nothing happens if it is
   * missing. Something else may be removing parts of the tree at the same time (another backend
   * on the same home, a test's clean-up): what vanishes meanwhile is what was wanted.
   *
   * @param path the file or tree
   * @throws IOException if a part of it cannot be deleted
   */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(path);
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
        if (exc instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw exc;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        if (exc != null && !(exc instanceof NoSuchFileException)) {
          throw exc;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Copies a tree, keeping symlinks as symlinks and permissions; skips (relative) paths the
   * filter rejects.
   *
   * @param from the tree
   * @param to where the copy goes (created if missing)
   * @param include whether to copy a path relative to {@code from} (and, for a directory, what
   *     is below it)
   * @throws SpecialFileException naming a special file (fifo, socket, device) in the tree that
   *     the filter lets through
   * @throws IOException if reading or writing fails
   */
  public static void copyTree(Path from, Path to, Predicate<Path> include) throws IOException {
    Files.createDirectories(to);
    Files.walkFileTree(from, Set.of(), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
          throws IOException {
        Path rel = from.relativize(dir);
        if (!rel.toString().isEmpty() && !include.test(rel)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Path target = to.resolve(rel.toString());
        Files.createDirectories(target);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path rel = from.relativize(file);
        if (!include.test(rel)) {
          return FileVisitResult.CONTINUE;
        }
        if (!(attrs.isRegularFile() || attrs.isSymbolicLink())) {
          throw new SpecialFileException(from, rel.toString());
        }
        Files.copy(file, to.resolve(rel.toString()), LinkOption.NOFOLLOW_LINKS,
            StandardCopyOption.COPY_ATTRIBUTES);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Path target = to.resolve(from.relativize(dir).toString());
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(dir));
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Gives a whole tree (symlinks themselves, not their targets) to a user and group.
   *
   * @param root the tree
   * @param user the new owner
   * @param group the new group
   * @throws IOException if a part of it cannot be changed
   */
  public static void chownTree(Path root, UserPrincipal user, GroupPrincipal group)
      throws IOException {
    Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            chown(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            chown(file);
            return FileVisitResult.CONTINUE;
          }

          private void chown(Path p) throws IOException {
            PosixFileAttributeView v = Files.getFileAttributeView(p,
                PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            v.setOwner(user);
            v.setGroup(group);
          }
        });
  }
}
