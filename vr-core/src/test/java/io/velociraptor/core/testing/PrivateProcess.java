package io.velociraptor.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon a test fixture runs in the foreground (nginx, sshd, supervisord): started with its
 * output appended to a log file, waited for with a deadline (the error carries the log's tail),
 * and stopped with SIGTERM, then SIGKILL after a grace period, together with every process it
 * started. The fixtures share it so that each only says how to configure its daemon and how to
 * tell that it is ready.
 */
public final class PrivateProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateProcess.class);
  private static final int TAIL_LINES = 40;

  private final String name;
  private final Path log;
  private final List<Path> otherLogs;
  private final long logStart;
  private final Set<ProcessHandle> children = new LinkedHashSet<>();
  private Process process;

  private PrivateProcess(String name, Process process, Path log, List<Path> otherLogs,
      long logStart) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.otherLogs = otherLogs;
    this.logStart = logStart;
  }

  /**
   * Starts a program with stdout and stderr appended to {@code log}.
   *
   * @param name what it is, for messages ({@code nginx})
   * @param argv the program and its arguments
   * @param workDir its working directory
   * @param log where its output goes (appended: a restarted daemon keeps its earlier lines)
   * @param otherLogs logs the program writes itself, whose tails go into error messages too
   * @return the running process
   * @throws UncheckedIOException if it cannot be started
   */
  public static PrivateProcess start(String name, List<String> argv, Path workDir, Path log,
      Path... otherLogs) {
    try {
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      Process p = new ProcessBuilder(argv)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      return new PrivateProcess(name, p, log, List.of(otherLogs), logStart);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + argv + "): "
          + e.getMessage(), e);
    }
  }

  /**
   * Waits until {@code ready} holds, polling with a growing pause (5 ms to 100 ms). If the
   * process exits or the deadline passes first, stops it and fails.
   *
   * @param what what is awaited, for the message ({@code sshd to listen on port 4022})
   * @param timeout the deadline
   * @param ready the readiness check; it should be quick and must not throw
   * @throws IllegalStateException naming {@code what}, with the tail of the logs, if the process
   *     exited or the deadline passed
   */
  public void await(String what, Duration timeout, BooleanSupplier ready) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(5);
    while (!ready.getAsBoolean()) {
      Process p = process;
      boolean exited = p == null || !p.isAlive();
      if (exited || System.nanoTime() - deadline > 0) {
        String why = exited ? name + " exited" + (p == null ? "" : " with " + p.exitValue())
            : "no success within " + timeout;
        stop();
        throw new IllegalStateException("waiting for " + what + ": " + why + "\n" + logTail());
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /**
   * Waits until something accepts TCP connections on 127.0.0.1 at {@code port}.
   *
   * @param port the port
   * @param timeout the deadline
   * @throws IllegalStateException as {@link #await} does
   */
  public void awaitPort(int port, Duration timeout) {
    await(name + " to accept connections on 127.0.0.1:" + port, timeout, () -> accepts(port));
  }

  /**
   * Waits until a file exists.
   *
   * @param file the file
   * @param timeout the deadline
   * @throws IllegalStateException as {@link #await} does
   */
  public void awaitFile(Path file, Duration timeout) {
    await(name + " to write " + file, timeout, () -> Files.exists(file));
  }

  /**
   * @param port a port
   * @return whether a connection to 127.0.0.1 at that port is accepted within 200 ms
   */
  public static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** @return what the process wrote to its log since this start (not before a restart) */
  public String logSinceStart() {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(logStart, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** @return the last lines of the process's log and of its other logs, for failure messages */
  public String logTail() {
    StringBuilder b = new StringBuilder();
    List<Path> all = new ArrayList<>();
    all.add(log);
    all.addAll(otherLogs);
    for (Path f : all) {
      b.append("--- ").append(f).append(" ---\n");
      try {
        List<String> lines = Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8)
            : List.of("(missing)");
        lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        b.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  /** @return the process id; the process must not have been stopped */
  public long pid() {
    return running().pid();
  }

  /** @return whether the process runs */
  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /**
   * Kills the process with SIGKILL, as a crash would, leaving what it started running until
   * {@link #stop()} or {@link #close()}.
   */
  public void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    rememberChildren(p);
    p.destroyForcibly();
    awaitExit(p.toHandle(), Duration.ofSeconds(10));
  }

  /**
   * Stops the process: SIGTERM, SIGKILL if it has not exited after {@code grace}, then SIGKILL
   * to every process it started that is still running. Idempotent.
   *
   * @param grace how long the process may take to shut down by itself
   */
  public void stop(Duration grace) {
    Process p = process;
    if (p != null) {
      rememberChildren(p);
      p.destroy();
      if (!awaitExit(p.toHandle(), grace)) {
        LOG.warn("{} (pid {}) ignored SIGTERM for {}; killing it", name, p.pid(), grace);
        p.destroyForcibly();
        awaitExit(p.toHandle(), Duration.ofSeconds(10));
      }
      process = null;
    }
    for (ProcessHandle h : children) {
      if (h.isAlive()) {
        h.destroyForcibly();
        awaitExit(h, Duration.ofSeconds(10));
      }
    }
    children.clear();
  }

  /** Stops the process, allowing it 10 s to shut down by itself. Idempotent. */
  public void stop() {
    stop(Duration.ofSeconds(10));
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  private Process running() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException(name + " is not running");
    }
    return p;
  }

  private void rememberChildren(Process p) {
    p.descendants().forEach(children::add);
  }

  private static boolean awaitExit(ProcessHandle h, Duration timeout) {
    try {
      h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !h.isAlive();
    } catch (ExecutionException e) {
      return !h.isAlive();
    }
  }

  /**
   * @return a port that was free on 127.0.0.1 a moment ago (another process may take it before
   *     the daemon binds it; fixtures retry on "address in use")
   * @throws UncheckedIOException if no port can be bound
   */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Deletes a directory tree, best effort: what cannot be deleted is logged, not thrown, so a
   * fixture's clean-up never hides the test's own failure.
   *
   * @param dir the tree; nothing happens if it is null or missing
   */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.warn("could not delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    Process p = process;
    return name + (p == null ? " (stopped)" : " (pid " + p.pid() + ")");
  }
}
