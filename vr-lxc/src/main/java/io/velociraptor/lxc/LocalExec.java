package io.velociraptor.lxc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command with a timeout, capturing stdout+stderr (keeping the last bytes). */
final class LocalExec {
  static final int MAX_OUTPUT = 64 * 1024;

  /** What a finished or timed-out command left behind. */
  record Result(int exitCode, String output, boolean timedOut, long durationMs) {}

  private LocalExec() {}

  static Result run(List<String> argv, Duration timeout, Runnable onTimeout) {
    long start = System.nanoTime();
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw RunnerException.failed(argv.get(0), "cannot start " + argv.get(0) + ": " + e, e);
    }
    TailBuffer out = new TailBuffer();
    Thread reader = new Thread(() -> out.drain(p.getInputStream()), "vr-exec-output");
    reader.setDaemon(true);
    reader.start();
    boolean timedOut = false;
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
        onTimeout.run();
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw RunnerException.failed(argv.get(0), "interrupted while running " + argv.get(0), e);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Result(p.isAlive() ? -1 : p.exitValue(), out.text(), timedOut, ms);
  }

  /** Runs and requires exit 0; the message names the command and shows its output. */
  static String check(List<String> argv, Duration timeout) {
    Result r = run(argv, timeout, () -> { });
    if (r.timedOut() || r.exitCode() != 0) {
      throw RunnerException.failed(argv.get(0), String.join(" ", argv)
          + (r.timedOut() ? " timed out after " + timeout.toMillis() + " ms" : " exited " + r.exitCode())
          + ": " + r.output().strip());
    }
    return r.output();
  }

  /** Keeps at most {@link #MAX_OUTPUT} bytes, dropping the oldest. */
  static final class TailBuffer {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private boolean truncated;

    void drain(InputStream in) {
      byte[] b = new byte[8192];
      try (in) {
        for (int r; (r = in.read(b)) > 0; ) {
          synchronized (this) {
            buf.write(b, 0, r);
            if (buf.size() > 2 * MAX_OUTPUT) {
              byte[] all = buf.toByteArray();
              buf.reset();
              buf.write(all, all.length - MAX_OUTPUT, MAX_OUTPUT);
              truncated = true;
            }
          }
        }
      } catch (IOException e) {
        // the process went away; what was read so far is the output
      }
    }

    synchronized String text() {
      byte[] all = buf.toByteArray();
      boolean cut = truncated || all.length > MAX_OUTPUT;
      int from = Math.max(0, all.length - MAX_OUTPUT);
      String s = new String(all, from, all.length - from, StandardCharsets.UTF_8);
      return cut ? "[output truncated to the last " + MAX_OUTPUT + " bytes]\n" + s : s;
    }
  }
}
