package io.velociraptor.core.store;

import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link io.velociraptor.core.spi.Store}: a directory of JSON files, safe
 * for several threads and several processes (on one machine, or sharing a POSIX file system
 * with working {@code fcntl} locks) and for a crash of any of them at any point.
 *
 * <ul>
 *   <li>Every change happens under an exclusive lock on {@code <dir>/store.lock} ({@link
 *       FileChannel#tryLock()}, polled until {@link Builder#lockTimeout}), after this JVM's own
 *       lock, so the store's rules never race across threads or processes.
 *   <li>A record is written to a hidden temporary file in its directory, fsynced, renamed over
 *       the record, and the directory fsynced: a reader (or a process starting after a crash)
 *       sees the old record or the new, never a part. Temporary files start with {@code .} and
 *       end with {@code .tmp}; reads skip them, and opening the store deletes those left by
 *       crashed writers.
 *   <li>Layout: {@code apps/<app>.json}, {@code swarms/<id>.json}, {@code
 *       builds/<app>/<version>.json}, {@code releases/<hash>.json}, {@code
 *       runs/<swarm id>/<run id>.json} (finished runs), {@code meta/live.json} (port locks, live
 *       runs and run numbers, changed together). Name characters outside {@code [A-Za-z0-9_.-]},
 *       and a leading {@code .}, are written as {@code %XX}.
 *   <li>A key whose encoded name is over {@link #MAX_PLAIN_NAME} bytes (a 128-character version
 *       can encode to 1152) is kept as {@code <encoded prefix>~<digest>.json}, the digest a
 *       SHA-256 of the full key, with the full key beside it in {@code <same>.key} (written
 *       before the record, deleted after it), so every file name, temporary ones included, fits
 *       the 255 bytes of common file systems while listing still returns the original key.
 *   <li>Records are plain JSON, env values included, with mode {@code 0600} (owner only).
 * </ul>
 */
public final class FileStore extends RecordStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
  private static final String SUFFIX = ".json";
  private static final String TEMP_SUFFIX = ".tmp";
  private static final String KEY_SUFFIX = ".key";
  /**
   * The longest encoded key kept under its own name. Its temporary file adds {@code .}, the
   * {@code .json} suffix, {@code .}, up to 20 random digits and {@code .tmp}: 31 bytes, so 224
   * keeps that within 255 bytes.
   */
  static final int MAX_PLAIN_NAME = 224;
  /** The longest file name (in bytes) the store relies on a file system accepting. */
  static final int MAX_FILE_NAME = 255;
  private static final char DIGEST_MARK = '~';
  private static final int DIGEST_HEX = 32;
  private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

  private final Path dir;
  private final Duration lockTimeout;
  private final ReentrantLock jvmLock = new ReentrantLock();
  private final FileChannel lockChannel;
  private FileLock fileLock;

  private FileStore(Builder b, Path dir, FileChannel lockChannel) {
    super(b.clock, b.staleAfter, b.historyLimit, b.ownerCheck);
    this.dir = dir;
    this.lockTimeout = b.lockTimeout;
    this.lockChannel = lockChannel;
  }

  /**
   * Opens (creating if needed) a store in a directory with the defaults.
   *
   * @param dir the directory
   * @return the open store; close it when done
   * @throws StoreException if the directory cannot be created or locked
   */
  public static FileStore open(Path dir) {
    return builder().open(dir);
  }

  /** A new builder for a {@link FileStore}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  @Override
  String location() {
    return dir.toString();
  }

  // ---- file names ---------------------------------------------------------------------------

  static String encode(String name) {
    StringBuilder out = new StringBuilder();
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
          || b == '_' || b == '-' || (b == '.' && i > 0);
      if (plain) {
        out.append((char) b);
      } else {
        out.append('%').append(String.format("%02X", b));
      }
    }
    return out.toString();
  }

  static String decode(String fileName) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < fileName.length(); i++) {
      char c = fileName.charAt(i);
      int hex = c == '%' && i + 2 < fileName.length() ? hexByte(fileName.substring(i + 1, i + 3)) : -1;
      if (hex >= 0) {
        out.write(hex);
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hexByte(String two) {
    try {
      return Integer.parseInt(two, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Path collectionDir(String collection) {
    Path d = dir;
    for (String segment : collection.split("/")) {
      d = d.resolve(encode(segment));
    }
    return d;
  }

  private Path file(String collection, String key) {
    return collectionDir(collection).resolve(baseName(key) + SUFFIX);
  }

  /**
   * The file name of a key, without the suffix: its encoding, or, when that is too long, a
   * prefix of it cut between escapes, {@code ~} (which encoding never writes) and a digest of
   * the full key.
   */
  static String baseName(String key) {
    String encoded = encode(key);
    if (encoded.length() <= MAX_PLAIN_NAME) {
      return encoded;
    }
    int cut = MAX_PLAIN_NAME - 1 - DIGEST_HEX;
    while (cut > 0 && (encoded.charAt(cut - 1) == '%' || (cut > 1 && encoded.charAt(cut - 2) == '%'))) {
      cut--;
    }
    return encoded.substring(0, cut) + DIGEST_MARK + digest(key);
  }

  private static String digest(String key) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, DIGEST_HEX / 2);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static boolean digested(String base) {
    return base.indexOf(DIGEST_MARK) >= 0;
  }

  /**
   * Where a key too long for its own name was kept by versions of vr that wrote the plain name
   * whenever it fit (its temporary file could still fit with fewer random digits).
   */
  private Optional<Path> legacyFile(String collection, String key) {
    String encoded = encode(key);
    if (encoded.length() <= MAX_PLAIN_NAME || encoded.length() + SUFFIX.length() > MAX_FILE_NAME) {
      return Optional.empty();
    }
    return Optional.of(collectionDir(collection).resolve(encoded + SUFFIX));
  }

  private static Path keyFile(Path record) {
    String name = record.getFileName().toString();
    return record.resolveSibling(name.substring(0, name.length() - SUFFIX.length()) + KEY_SUFFIX);
  }

  // ---- primitives ---------------------------------------------------------------------------

  @Override
  Optional<String> read(String collection, String key) {
    Optional<String> found = read(file(collection, key));
    return found.isPresent() ? found : legacyFile(collection, key).flatMap(FileStore::read);
  }

  private static Optional<String> read(Path f) {
    try {
      return Optional.of(Files.readString(f, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException(f.toString(), "read", "cannot read the record: " + why(e), e);
    }
  }

  @Override
  List<String> keys(String collection) {
    Path d = collectionDir(collection);
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".") && name.endsWith(SUFFIX)) {
          String base = name.substring(0, name.length() - SUFFIX.length());
          if (!digested(base)) {
            out.add(decode(base));
          } else {
            Optional<String> key = read(keyFile(p));
            if (key.isPresent() && baseName(key.get()).equals(base)) {
              out.add(key.get());
            } else {
              LOG.warn("skipping {}: its key file {} is {}", p, keyFile(p), key.isPresent() ? "not its key" : "missing");
            }
          }
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new StoreException(d.toString(), "list", "cannot list the directory: " + why(e), e);
    }
    out.sort(null);
    return out;
  }

  /** Directories (up to two deep, as {@code builds/<app>}) that hold records, decoded. */
  @Override
  List<String> collections() {
    List<String> out = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(dir, 2)) {
      for (Path d : (Iterable<Path>) paths.filter(Files::isDirectory).filter(p -> !p.equals(dir))::iterator) {
        Path rel = dir.relativize(d);
        List<String> segments = new ArrayList<>();
        for (Path segment : rel) {
          segments.add(decode(segment.toString()));
        }
        if (!rel.getFileName().toString().startsWith(".")) {
          out.add(String.join("/", segments));
        }
      }
    } catch (IOException e) {
      throw new StoreException(dir.toString(), "list", "cannot list the store's directories: " + why(e), e);
    }
    return out;
  }

  @Override
  void write(String collection, String key, String json) {
    Path d = collectionDir(collection);
    Path target = file(collection, key);
    if (digested(baseName(key))) {
      Path keyFile = keyFile(target);
      if (!read(keyFile).equals(Optional.of(key))) {
        writeFile(d, keyFile, key);
      }
    }
    writeFile(d, target, json);
    Optional<Path> legacy = legacyFile(collection, key);
    if (legacy.isPresent()) {
      try {
        if (Files.deleteIfExists(legacy.get())) {
          fsyncDirectory(d);
        }
      } catch (IOException e) {
        throw new StoreException(legacy.get().toString(), "write", "cannot delete the record's older copy: " + e, e);
      }
    }
  }

  private void writeFile(Path d, Path target, String text) {
    Path temp = null;
    try {
      ensureDirectory(d);
      // owner only, whatever the umask: records hold env values in plain JSON; the rename keeps the mode
      temp = d.getFileSystem().supportedFileAttributeViews().contains("posix") ? Files.createTempFile(d, "." + target.getFileName() + ".", TEMP_SUFFIX, OWNER_ONLY)
          : Files.createTempFile(d, "." + target.getFileName() + ".", TEMP_SUFFIX);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new StoreException(target.toString(), "write", "the file system cannot rename atomically", e);
      }
      temp = null;
      fsyncDirectory(d);
    } catch (IOException e) {
      throw new StoreException(target.toString(), "write", "cannot write the record: " + why(e), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.warn("could not delete the temporary file {}", temp, e);
        }
      }
    }
  }

  /**
   * @return the cause as a person reads it: the system's reason ("No space left on device", "Not a
   *     directory"), and the other file when it is not the one the message names (a temporary file)
   */
  static String why(IOException e) {
    if (e instanceof java.nio.file.FileSystemException f) {
      String reason = f.getReason() != null ? f.getReason()
          : e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
          : e instanceof java.nio.file.NotDirectoryException ? "not a directory"
          : e.getClass().getSimpleName();
      return f.getFile() == null || Path.of(f.getFile()).getFileName().toString().startsWith(".")
          ? reason : reason + " (" + f.getFile() + ")";
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  private void ensureDirectory(Path d) throws IOException {
    if (Files.isDirectory(d)) {
      return;
    }
    ensureDirectory(d.getParent());
    try {
      Files.createDirectory(d);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(d)) {
        throw new java.nio.file.NotDirectoryException(d.toString()); // a file where the store keeps a directory
      }
      return;
    }
    fsyncDirectory(d.getParent());
  }

  private static void fsyncDirectory(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  boolean delete(String collection, String key) {
    Path f = file(collection, key);
    boolean existed = delete(f);
    if (digested(f.getFileName().toString())) {
      delete(keyFile(f));
    }
    Optional<Path> legacy = legacyFile(collection, key);
    return legacy.isPresent() ? delete(legacy.get()) || existed : existed;
  }

  private static boolean delete(Path f) {
    try {
      boolean existed = Files.deleteIfExists(f);
      if (existed) {
        fsyncDirectory(f.getParent());
      }
      return existed;
    } catch (IOException e) {
      throw new StoreException(f.toString(), "delete", "cannot delete the record: " + why(e), e);
    }
  }

  @Override
  <T> T atomically(String operation, Supplier<T> work) {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    try {
      if (!jvmLock.tryLock(lockTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new StoreException(dir.toString(), operation,
            "another thread held the store for over " + lockTimeout, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(dir.toString(), operation, "interrupted while waiting for the store's lock", e);
    }
    boolean outermost = jvmLock.getHoldCount() == 1;
    try {
      if (outermost) {
        fileLock = acquireFileLock(operation, deadline);
      }
      try {
        return work.get();
      } finally {
        if (outermost) {
          releaseFileLock();
        }
      }
    } finally {
      jvmLock.unlock();
    }
  }

  /**
   * Polls {@code tryLock} until the deadline: a blocking {@code lock()} could wait forever on a
   * hung process, and throws at once when another store object of this JVM holds the file.
   */
  private FileLock acquireFileLock(String operation, long deadline) {
    long pause = TimeUnit.MICROSECONDS.toNanos(200);
    while (true) {
      try {
        FileLock lock = lockChannel.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException e) {
        // another FileStore on this directory in this JVM holds it: wait like for a process
      } catch (IOException e) {
        throw new StoreException(dir.resolve("store.lock").toString(), operation, "cannot lock: " + why(e), e);
      }
      if (System.nanoTime() > deadline) {
        throw new StoreException(dir.resolve("store.lock").toString(), operation,
            "another process held the store's lock for over " + lockTimeout
                + "; if no vr process is running, that process hangs", null);
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  private void releaseFileLock() {
    try {
      if (fileLock != null) {
        fileLock.release();
      }
    } catch (IOException e) {
      LOG.warn("could not release the lock on {}", dir.resolve("store.lock"), e);
    } finally {
      fileLock = null;
    }
  }

  /** Deletes temporary files left by writers that crashed mid-write; called holding the lock. */
  private int sweepTemporaryFiles() {
    int[] swept = {0};
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.filter(p -> {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.endsWith(TEMP_SUFFIX) && Files.isRegularFile(p);
      }).forEach(p -> {
        try {
          Files.deleteIfExists(p);
          swept[0]++;
        } catch (IOException e) {
          LOG.warn("could not delete the leftover temporary file {}", p, e);
        }
      });
    } catch (IOException e) {
      throw new StoreException(dir.toString(), "open", "cannot scan the store: " + why(e), e);
    }
    if (swept[0] > 0) {
      LOG.info("deleted {} temporary files left by crashed writers in {}", swept[0], dir);
    }
    return swept[0];
  }

  /** Closes the lock file. Idempotent. */
  @Override
  public void close() {
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("could not close {}", dir.resolve("store.lock"), e);
    }
  }

  /** The store's directory, for messages. */
  @Override
  public String toString() {
    return "FileStore[" + dir + "]";
  }

  /** Configures and opens a {@link FileStore}. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration staleAfter = DEFAULT_STALE_AFTER;
    private int historyLimit = DEFAULT_HISTORY_LIMIT;
    private Duration lockTimeout = Duration.ofSeconds(30);
    private Function<SwarmRun.Owner, Optional<String>> ownerCheck = RunOwners::goneReason;

    private Builder() {}

    /**
     * Sets the clock that stamps runs and locks.
     *
     * @param clock the clock that stamps runs and locks
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how long a live run may stay unchanged, and a lock of no run may be held, before it
     * counts as stale; default 30 minutes.
     *
     * @param ttl how long a live run may stay unchanged, and a lock of no run may be held,
     *     before it counts as stale; default 30 minutes
     * @return this builder
     */
    public Builder staleAfter(Duration ttl) {
      this.staleAfter = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * Sets how many finished runs to keep per swarm; default 100.
     *
     * @param runs how many finished runs to keep per swarm; default 100
     * @return this builder
     */
    public Builder historyLimit(int runs) {
      this.historyLimit = runs;
      return this;
    }

    /**
     * Sets how long a change waits for the store's lock before failing; default 30 s.
     *
     * @param timeout how long a change waits for the store's lock before failing; default 30 s
     * @return this builder
     */
    public Builder lockTimeout(Duration timeout) {
      this.lockTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Opens the store: creates the directory, opens its lock file and, holding the lock,
     * deletes temporary files left by crashed writers.
     *
     * @param dir the directory
     * @return the open store
     * @throws StoreException if the directory cannot be created, opened or locked
     * @throws IllegalArgumentException if a setting is out of range
     */
    public FileStore open(Path dir) {
      if (lockTimeout.isNegative() || lockTimeout.isZero()) {
        throw new IllegalArgumentException("lockTimeout must be positive: " + lockTimeout);
      }
      Path abs = dir.toAbsolutePath().normalize();
      FileChannel channel;
      try {
        Files.createDirectories(abs);
        channel = FileChannel.open(abs.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new StoreException(abs.toString(), "open", "cannot create or open the store: " + why(e), e);
      }
      FileStore store;
      try {
        store = new FileStore(this, abs, channel);
      } catch (RuntimeException e) {
        closeQuietly(channel);
        throw e;
      }
      try {
        store.atomically("open", store::sweepTemporaryFiles);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    }

    private static void closeQuietly(FileChannel channel) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing {}", channel, e);
      }
    }
  }
}
