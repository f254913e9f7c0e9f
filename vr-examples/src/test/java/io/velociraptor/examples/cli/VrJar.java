package io.velociraptor.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real vr jar (target/vr.jar, made by the package phase) as a process. */
final class VrJar {
  static final Path JAR = Path.of("target/vr.jar").toAbsolutePath();

  private VrJar() {}

  /** What one run printed and how it ended. */
  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private static List<String> command(String... args) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run the package phase first (./mvnw verify and install do)");
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Result run(Path dir, String... args) throws IOException, InterruptedException {
    return run(dir, Duration.ofSeconds(180), args);
  }

  /** Runs vr, failing the test if it has not ended within {@code limit}. */
  static Result run(Path dir, Duration limit, String... args) throws IOException, InterruptedException {
    List<String> cmd = command(args);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove("VR_CONFIG");
    Process p = pb.start();
    boolean ended;
    try {
      ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      // the test gave up (it failed elsewhere): no vr of it runs on into the clean-up
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw e;
    }
    if (!ended) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("vr " + String.join(" ", args) + " did not finish in " + limit.toSeconds() + " s: " + Files.readString(out));
    }
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  /**
   * Starts vr and leaves it running; its stdout is read line by line as it comes.
   *
   * @return the running vr; close it (try-with-resources) to kill it if the test fails
   */
  static Running start(Path dir, String... args) throws IOException {
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command(args)).directory(dir.toFile()).redirectError(err.toFile());
    pb.environment().remove("VR_CONFIG");
    return new Running(pb.start(), String.join(" ", args), err);
  }

  /** A vr process that runs while the test watches its output. */
  static final class Running implements AutoCloseable {
    final Process process;
    private final String what;
    private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    private final StringBuffer seen = new StringBuffer();
    private final Thread reader;

    private final Path err;

    private Running(Process process, String what, Path err) {
      this.process = process;
      this.what = what;
      this.err = err;
      reader = new Thread(() -> {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("(reading stdout failed: " + e + ")");
        }
      }, "vr-stdout-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * @param wanted what the line must satisfy
     * @param timeout how long to wait for it
     * @return the first new line that satisfies it
     * @throws AssertionError if none comes in time; says what came instead
     */
    String awaitLine(java.util.function.Predicate<String> wanted, java.time.Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          throw new AssertionError("vr " + what + " printed no such line within " + timeout + "; it printed:\n" + seen
              + (process.isAlive() ? "" : "(exited with " + process.exitValue() + ")"));
        }
        seen.append(line).append('\n');
        if (wanted.test(line)) {
          return line;
        }
      }
    }

    /**
     * Waits for vr to exit and for the end of its output.
     *
     * @return everything it printed, from the start
     */
    String rest(java.time.Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("vr " + what + " did not exit within " + timeout + "; it printed:\n" + seen);
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
      List<String> left = new ArrayList<>();
      lines.drainTo(left);
      left.forEach(l -> seen.append(l).append('\n'));
      return seen.toString();
    }

    /**
     * Stops vr as a service manager would (SIGTERM) and waits for it.
     *
     * @return everything it printed, from the start
     */
    String stop(java.time.Duration timeout) throws InterruptedException {
      process.destroy();
      return rest(timeout);
    }

    /** @return every stdout line the awaits have read so far */
    String seenSoFar() {
      return seen.toString();
    }

    /** @return what vr wrote to stderr so far */
    String err() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Sends a signal (INT is Ctrl-C) to vr's JVM only. */
    void signal(String signal) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
      }
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }
}
