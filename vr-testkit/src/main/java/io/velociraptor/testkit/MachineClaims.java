package io.velociraptor.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * What test JVMs running side by side on one machine (parallel Failsafe forks, parallel module
 * builds) must not both take: blocks of loopback ports and the creation of system users. Each is
 * claimed with a byte-range lock on one file in the temp directory, which the kernel drops when
 * the JVM exits, so a killed fork leaks nothing.
 *
 * <p>This is process-wide state on purpose: a claim stands for the JVM's lifetime.
 */
public final class MachineClaims {
  /** Ports are claimed in [20000, 32000): below Linux's ephemeral range, where servers bound to
   * port 0 and outgoing connections take theirs. */
  static final int FIRST = 20_000;
  static final int END = 32_000;
  /** The lock byte that serializes user creation, beyond any port's byte. */
  private static final long USERS = 1L << 20;
  private static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "vr-test-claims.lock");
  private static final Object TURN = new Object();
  private static final List<FileLock> HELD = new ArrayList<>();
  private static FileChannel channel;

  private MachineClaims() {}

  /**
   * Claims {@code size} consecutive ports that no other test JVM on this machine has claimed and
   * that nothing listens on now, for the rest of this JVM's life.
   *
   * @param size how many ports, 1 to 2000
   * @return the first port of the block
   * @throws IllegalArgumentException if the size is out of range
   * @throws IllegalStateException if no block could be claimed
   */
  public static int portBlock(int size) {
    if (size < 1 || size > 2000) {
      throw new IllegalArgumentException("port block size " + size + " must be between 1 and 2000");
    }
    SecureRandom random = new SecureRandom();
    synchronized (TURN) {
      for (int attempt = 0; attempt < 200; attempt++) {
        int base = FIRST + random.nextInt(END - FIRST - size);
        FileLock lock = tryLock(base, size);
        if (lock == null) {
          continue;
        }
        if (allFree(base, size)) {
          HELD.add(lock);
          return base;
        }
        release(lock);
      }
    }
    throw new IllegalStateException("no block of " + size + " free, unclaimed ports between " + FIRST + " and " + END);
  }

  /**
   * Makes sure a system user exists (no home, no login shell), creating it under a machine-wide
   * lock so that two test JVMs never run {@code useradd} at once (the second would fail to lock
   * {@code /etc/passwd}).
   *
   * @param name the user name
   * @throws IllegalStateException if {@code useradd} fails
   */
  public static void ensureSystemUser(String name) {
    synchronized (TURN) {
      FileLock lock;
      try {
        lock = channel().lock(USERS, 1, false);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + FILE, e);
      }
      try {
        if (run("getent", "passwd", name) == 0) {
          return;
        }
        int rc = run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        if (rc != 0 && rc != 9) { // 9: it exists (made by something that does not take this lock)
          throw new IllegalStateException("useradd " + name + " failed with exit code " + rc);
        }
      } finally {
        release(lock);
      }
    }
  }

  private static int run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command[0], e);
    }
  }

  private static FileLock tryLock(int base, int size) {
    try {
      return channel().tryLock(base, size, false);
    } catch (OverlappingFileLockException heldByThisJvm) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + FILE, e);
    }
  }

  private static boolean allFree(int base, int size) {
    for (int p = base; p < base + size; p++) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress("0.0.0.0", p));
      } catch (IOException taken) {
        return false;
      }
    }
    return true;
  }

  private static void release(FileLock lock) {
    try {
      lock.release();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release a lock on " + FILE, e);
    }
  }

  private static FileChannel channel() throws IOException {
    if (channel == null) {
      // kept open for the JVM's life: closing it would drop every claim
      channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
    return channel;
  }
}
