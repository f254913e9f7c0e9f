package io.velociraptor.buildpack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Exclusive locks on files that wait (polling until a deadline) instead of failing, shared by
 * threads of this JVM and by other processes. The original's locks gave up at once.
 */
final class FileLocks {
  private static final long POLL_NANOS = Duration.ofMillis(25).toNanos();

  private FileLocks() {}

  /** A held lock; closing releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /**
   * @param lockFile the lock's file (created if missing)
   * @param maxWait how long to wait for another holder
   * @param onWait called once if the lock is busy, before waiting
   * @return the held lock
   * @throws IOException if the lock stays busy past {@code maxWait}
   */
  static Held acquire(Path lockFile, Duration maxWait, Runnable onWait) throws IOException {
    Files.createDirectories(lockFile.getParent());
    FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    long deadline = System.nanoTime() + maxWait.toNanos();
    boolean announced = false;
    try {
      while (true) {
        FileLock lock = null;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          // another thread of this JVM holds it: wait like for another process
        }
        if (lock != null) {
          FileLock held = lock;
          return () -> {
            try {
              held.release();
            } finally {
              ch.close();
            }
          };
        }
        if (!announced) {
          onWait.run();
          announced = true;
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("gave up waiting after " + maxWait + " for the lock "
              + lockFile + ", held by another build");
        }
        LockSupport.parkNanos(POLL_NANOS);
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for the lock " + lockFile);
        }
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }
}
