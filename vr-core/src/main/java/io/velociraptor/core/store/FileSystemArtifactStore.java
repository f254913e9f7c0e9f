package io.velociraptor.core.store;

import io.velociraptor.core.VrException;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.spi.Artifact;
import io.velociraptor.core.spi.ArtifactStore;
import io.velociraptor.core.spi.ArtifactStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ArtifactStore} in a local directory. Layout:
 * {@code objects/<first two hex>/<sha256>/content}, {@code .../meta.properties} (md5, size,
 * stored_at) and {@code .../attachments/<name>}. New artifacts are assembled under {@code tmp/},
 * flushed to disk and moved into place atomically, so a reader never sees a half-written one.
 * Changes take an exclusive lock on {@code .lock}, so several processes can share one store.
 */
public final class FileSystemArtifactStore implements ArtifactStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemArtifactStore.class);
  private static final Pattern ATTACHMENT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

  private final Path root;
  private final Clock clock;
  private final ReentrantLock localLock = new ReentrantLock();

  private FileSystemArtifactStore(Path root, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    this.clock = clock;
    try {
      Files.createDirectories(this.root.resolve("objects"));
      Files.createDirectories(this.root.resolve("tmp"));
    } catch (IOException e) {
      throw new ArtifactStoreException("", "cannot create artifact store at " + this.root
          + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens (creating if needed) a store in a directory.
   *
   * @param root the store's directory
   * @return the store
   * @throws ArtifactStoreException if the directory cannot be created
   */
  public static FileSystemArtifactStore of(Path root) {
    return new FileSystemArtifactStore(root, Clock.systemUTC());
  }

  /**
   * Opens a store that reads "now" from {@code clock} (for the stored-at time).
   *
   * @param root the store's directory
   * @param clock the clock
   * @return the store
   * @throws ArtifactStoreException if the directory cannot be created
   */
  public static FileSystemArtifactStore of(Path root, Clock clock) {
    return new FileSystemArtifactStore(root, clock);
  }

  /** The store's directory. */
  public Path root() {
    return root;
  }

  @Override
  public Artifact put(Path file) {
    // bytes already stored (a rebuild of the same source) need no copy and no fsync
    try {
      Optional<Artifact> existing = find(sha256Of(file));
      if (existing.isPresent()) {
        return existing.get();
      }
    } catch (IOException e) {
      throw new ArtifactStoreException("", "cannot read " + file + ": " + e.getMessage(), e);
    }
    Path staging = root.resolve("tmp").resolve(UUID.randomUUID().toString());
    try {
      Files.createDirectories(staging);
      Path content = staging.resolve("content");
      MessageDigest sha256 = digest("SHA-256");
      MessageDigest md5 = digest("MD5");
      try (InputStream in = new DigestInputStream(new DigestInputStream(
              Files.newInputStream(file), sha256), md5);
          OutputStream out = Files.newOutputStream(content, StandardOpenOption.CREATE_NEW)) {
        in.transferTo(out);
      }
      fsync(content);
      String sha = HexFormat.of().formatHex(sha256.digest());
      String md = HexFormat.of().formatHex(md5.digest());
      long size = Files.size(content);
      return locked(() -> {
        Optional<Artifact> existing = find(sha);
        if (existing.isPresent()) {
          return existing.get();
        }
        Instant now = clock.instant();
        Properties meta = new Properties();
        meta.setProperty("md5", md);
        meta.setProperty("size", Long.toString(size));
        meta.setProperty("stored_at", now.toString());
        Path metaFile = staging.resolve("meta.properties");
        try (Writer w = Files.newBufferedWriter(metaFile, StandardCharsets.UTF_8)) {
          meta.store(w, null);
        }
        fsync(metaFile);
        Path target = dir(sha);
        Files.createDirectories(target.getParent());
        moveAtomically(staging, target);
        LOG.debug("stored artifact {} ({} bytes) from {}", sha, size, file);
        return new Artifact(sha, md, size, target.resolve("content").toUri(), now);
      });
    } catch (IOException e) {
      throw new ArtifactStoreException("", "cannot store " + file + " in artifact store "
          + root + ": " + e.getMessage(), e);
    } finally {
      deleteTree(staging);
    }
  }

  private static String sha256Of(Path file) throws IOException {
    MessageDigest sha256 = digest("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  @Override
  public Optional<Artifact> find(String sha256) {
    Artifact.requireSha256(sha256);
    Path dir = dir(sha256);
    Path metaFile = dir.resolve("meta.properties");
    Properties meta = new Properties();
    try (Reader r = Files.newBufferedReader(metaFile, StandardCharsets.UTF_8)) {
      meta.load(r);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ArtifactStoreException(sha256, "cannot read " + metaFile + ": " + e.getMessage(), e);
    }
    try {
      return Optional.of(new Artifact(sha256, meta.getProperty("md5"),
          Long.parseLong(meta.getProperty("size")), dir.resolve("content").toUri(),
          Instant.parse(meta.getProperty("stored_at"))));
    } catch (RuntimeException e) {
      throw new ArtifactStoreException(sha256, "corrupt artifact metadata in " + metaFile
          + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream open(String sha256) {
    Artifact.requireSha256(sha256);
    Path content = dir(sha256).resolve("content");
    try {
      return Files.newInputStream(content);
    } catch (NoSuchFileException e) {
      throw new ArtifactStoreException(sha256, "artifact " + sha256 + " is not stored in "
          + root, e);
    } catch (IOException e) {
      throw new ArtifactStoreException(sha256, "cannot read " + content + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Artifact> list() {
    List<Artifact> out = new ArrayList<>();
    try (Stream<Path> shards = Files.list(root.resolve("objects"))) {
      for (Path shard : shards.sorted().toList()) {
        try (Stream<Path> dirs = Files.list(shard)) {
          for (Path d : dirs.sorted().toList()) {
            String name = d.getFileName().toString();
            if (name.length() == 64) {
              find(name).ifPresent(out::add);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new ArtifactStoreException("", "cannot list artifact store " + root + ": "
          + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(Artifact::sha256));
    return List.copyOf(out);
  }

  @Override
  public URI attach(String sha256, String name, Path file) {
    Artifact.requireSha256(sha256);
    requireAttachmentName(name);
    try {
      return locked(() -> {
        if (find(sha256).isEmpty()) {
          throw new ArtifactStoreException(sha256, "cannot attach '" + name + "': artifact "
              + sha256 + " is not stored in " + root, null);
        }
        Path dir = dir(sha256).resolve("attachments");
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + name + "." + UUID.randomUUID());
        Files.copy(file, tmp);
        // no fsync: an attachment (a log) lost in a crash is not worth a disk flush per build
        Path target = dir.resolve(name);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        return target.toUri();
      });
    } catch (IOException e) {
      throw new ArtifactStoreException(sha256, "cannot attach " + file + " as '" + name
          + "' to " + sha256 + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<InputStream> openAttachment(String sha256, String name) {
    Artifact.requireSha256(sha256);
    requireAttachmentName(name);
    Path f = dir(sha256).resolve("attachments").resolve(name);
    try {
      return Optional.of(Files.newInputStream(f));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ArtifactStoreException(sha256, "cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean delete(String sha256) {
    Artifact.requireSha256(sha256);
    try {
      return locked(() -> deleteUnlocked(sha256));
    } catch (IOException e) {
      throw new ArtifactStoreException(sha256, "cannot delete " + sha256 + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Artifact> collectGarbage(Instant storedBefore, Set<String> inUse) {
    try {
      return locked(() -> {
        List<Artifact> removed = new ArrayList<>();
        for (Artifact a : list()) {
          if (a.storedAt().isBefore(storedBefore) && !inUse.contains(a.sha256())) {
            if (deleteUnlocked(a.sha256())) {
              removed.add(a);
              LOG.info("garbage-collected artifact {} stored at {}", a.sha256(), a.storedAt());
            }
          }
        }
        return List.copyOf(removed);
      });
    } catch (IOException e) {
      throw new ArtifactStoreException("", "garbage collection in " + root + " failed: "
          + e.getMessage(), e);
    }
  }

  private boolean deleteUnlocked(String sha256) throws IOException {
    Path d = dir(sha256);
    if (!Files.isDirectory(d)) {
      return false;
    }
    // move aside first, so readers never see a half-deleted artifact
    Path trash = root.resolve("tmp").resolve("deleted-" + UUID.randomUUID());
    moveAtomically(d, trash);
    deleteTree(trash);
    return true;
  }

  private Path dir(String sha256) {
    return root.resolve("objects").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  private static void requireAttachmentName(String name) {
    if (name == null || !ATTACHMENT_NAME.matcher(name).matches() || name.startsWith(".")) {
      throw new VrException("attachment name must be a plain file name ([A-Za-z0-9_.-], not "
          + "starting with a dot), got '" + name + "'");
    }
  }

  private interface IoAction<T> {
    T run() throws IOException;
  }

  private <T> T locked(IoAction<T> action) throws IOException {
    localLock.lock();
    try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      FileLock lock = acquire(ch);
      try {
        return action.run();
      } finally {
        lock.release();
      }
    } finally {
      localLock.unlock();
    }
  }

  private FileLock acquire(FileChannel ch) throws IOException {
    long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
    while (true) {
      try {
        FileLock lock = ch.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException e) {
        // another store object in this JVM holds it: poll like for another process
      }
      if (System.nanoTime() > deadline) {
        throw new ArtifactStoreException("", "artifact store " + root + " stayed locked for "
            + LOCK_WAIT + "; is another process stuck holding " + root.resolve(".lock") + "?",
            null);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store's tmp and objects directories must be on one filesystem", e);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      throw new IOException("concurrent write to " + to + " outside the store's lock", e);
    }
  }

  private static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every JDK", e);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      FileTrees.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("could not remove temporary files under {}: {}", dir, e.toString());
    }
  }
}
