package io.velociraptor.examples.e2e;

import io.velociraptor.core.local.FileTrees;
import io.velociraptor.testkit.MachineClaims;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What a dispatch cannot beat: the same procs started by hand, every one at once (unpack the
 * build tarball, start the app on its port, wait until the port accepts, run its uptest once),
 * and stopped by hand, every one at once. Part of the dispatch benchmark, never a test.
 */
final class BenchFloor implements AutoCloseable {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final Path tarball;
  private final Path work;
  private final List<String> addresses;
  private final List<Process> apps = new ArrayList<>();

  /**
   * @param artifact the build's artifact location (a path or a {@code file:} URI)
   * @param work a scratch directory, deleted by {@link #close}
   * @param addresses the hosts' addresses, procs are spread over them in turn as the planner does
   */
  BenchFloor(String artifact, Path work, List<String> addresses) throws IOException {
    this.tarball = artifact.startsWith("file:") ? Path.of(URI.create(artifact)) : Path.of(artifact);
    this.work = Files.createDirectories(work);
    this.addresses = addresses;
  }

  /** @return nanoseconds from the first unpack to the last uptest passed, n procs in parallel */
  long start(int n) throws Exception {
    int base = MachineClaims.portBlock(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Process>> started = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int port = base + i;
        String address = addresses.get(i % addresses.size());
        Path dir = work.resolve("p" + port);
        started.add(pool.submit(() -> startOne(dir, address, port)));
      }
      for (Future<Process> f : started) {
        apps.add(f.get(LIMIT.toSeconds(), TimeUnit.SECONDS));
      }
      return System.nanoTime() - t0;
    } finally {
      pool.shutdownNow();
    }
  }

  /** @return nanoseconds to stop every app started, all at once, until each has exited */
  long stop() throws Exception {
    long t0 = System.nanoTime();
    for (Process p : apps) {
      p.destroy();
    }
    for (Process p : apps) {
      if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("an app of the floor did not stop on SIGTERM: pid " + p.pid());
      }
    }
    long took = System.nanoTime() - t0;
    apps.clear();
    return took;
  }

  private Process startOne(Path dir, String address, int port) throws Exception {
    Files.createDirectories(dir);
    run(new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", dir.toString()), "unpack");
    Path app = Files.isRegularFile(dir.resolve("Procfile")) ? dir : dir.resolve("app");
    ProcessBuilder pb = new ProcessBuilder(app.resolve("bin/serve").toString()).directory(app.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", Integer.toString(port));
    Process p = pb.start();
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!accepts(address, port)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("the app on " + address + ":" + port + " never listened");
      }
      LockSupport.parkNanos(1_000_000); // 1 ms between connect attempts: the wait is the app's boot
    }
    run(new ProcessBuilder(app.resolve("uptests/web/http_ok").toString(), address, Integer.toString(port)), "uptest");
    return p;
  }

  private static boolean accepts(String address, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void run(ProcessBuilder pb, String what) throws IOException, InterruptedException {
    Process p = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(what + " did not end in " + LIMIT + ": " + pb.command());
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(what + " failed with exit code " + p.exitValue() + ": " + pb.command());
    }
  }

  @Override
  public void close() {
    for (Process p : apps) {
      p.destroyForcibly();
    }
    try {
      FileTrees.deleteTree(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
