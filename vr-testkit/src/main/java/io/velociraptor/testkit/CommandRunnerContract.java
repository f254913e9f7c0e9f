package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandFailedException;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.PathRefusedException;
import io.velociraptor.core.spi.RemoteFileException;
import io.velociraptor.core.spi.RunningCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link CommandRunner} must have. A subclass supplies a runner acting on a
 * host whose file system this JVM can also see (the local machine, or sshd on 127.0.0.1), and a
 * scratch directory on it that is inside the runner's removal root.
 *
 * <p>Test dependencies: JUnit Jupiter (this is a JUnit test class: extend it) and AssertJ; the
 * test-jar does not bring them (see docs/embedding.md).
 */
public abstract class CommandRunnerContract {

  /** The runner under test; the subclass closes it. */
  protected abstract CommandRunner runner();

  /** An empty directory on the host, strictly inside the runner's removal root. */
  protected abstract Path scratch();

  private String path(String name) {
    return scratch().resolve(name).toString();
  }

  private CommandResult sh(String script, String... args) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
    argv.addAll(List.of(args));
    return runner().run(Command.builder().argv(argv).build());
  }

  @Test
  void reportsExitCodesAsResultsNotExceptions() {
    assertThat(runner().run(Command.of("true")).exitCode()).isZero();
    assertThat(runner().run(Command.of("false")).exitCode()).isEqualTo(1);
    CommandResult r = sh("exit 42");
    assertThat(r.exitCode()).isEqualTo(42);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.timedOut()).isFalse();
  }

  @Test
  void keepsStdoutAndStderrSeparate() {
    CommandResult r = sh("echo out1; echo err1 >&2; echo out2; echo err2 >&2");
    assertThat(r.stdout()).isEqualTo("out1\nout2\n");
    assertThat(r.stderr()).isEqualTo("err1\nerr2\n");
    assertThat(r.stdoutTruncated()).isFalse();
    assertThat(r.stderrTruncated()).isFalse();
  }

  @Test
  void passesArgumentsVerbatimWithoutAShell() {
    List<String> hostile = List.of("a b", "'", "\"", "$(echo pwned)", "`id`", "; rm -rf /", "",
        "*", "line1\nline2", "ünïcödé ✓", "\\", "-n", "--", "x=y", "~");
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(hostile);
    CommandResult r = runner().run(Command.builder().argv(argv).build());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo(String.join("\0", hostile) + "\0");
  }

  @Test
  void feedsStdinToTheCommand() {
    byte[] input = "hello\nworld\n".getBytes(StandardCharsets.UTF_8);
    CommandResult r = runner().run(Command.builder().argv("cat").stdin(input).build());
    assertThat(r.stdout()).isEqualTo("hello\nworld\n");
  }

  @Test
  void givesCommandsWithoutStdinAnImmediateEndOfFile() {
    CommandResult r = runner().run(
        Command.builder().argv("cat").timeout(Duration.ofSeconds(10)).build());
    assertThat(r.timedOut()).isFalse();
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void setsEnvironmentVariablesWithoutInterpretingTheirValues() {
    String value = "it's $(not) `run`; \"quoted\" \\ ünï\nnext";
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "printf '%s|%s' \"$VR_ONE\" \"$VR_TWO\"")
        .putEnv("VR_ONE", value)
        .putEnv("VR_TWO", "")
        .build());
    assertThat(r.stdout()).isEqualTo(value + "|");
  }

  @Test
  void runsInTheGivenWorkingDirectory() throws IOException {
    Path dir = Files.createDirectory(scratch().resolve("work dir ' $x"));
    CommandResult r = runner().run(
        Command.builder().argv("pwd", "-P").workingDir(dir.toString()).build());
    assertThat(r.stdout()).isEqualTo(dir.toRealPath() + "\n");
  }

  @Test
  void reportsAMissingWorkingDirectoryAsExitCode126NamingIt() {
    String missing = path("no-such-dir");
    CommandResult r = runner().run(Command.builder().argv("true").workingDir(missing).build());
    assertThat(r.exitCode()).isEqualTo(126);
    assertThat(r.stderr()).contains(missing);
  }

  @Test
  void reportsAMissingProgramAsExitCode127NamingIt() {
    CommandResult r = runner().run(Command.of("vr-no-such-program-xyz", "arg"));
    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.stderr()).contains("vr-no-such-program-xyz");
  }

  @Test
  void reportsDeathBySignalAs128PlusTheSignal() {
    CommandResult r = sh("kill -9 $$");
    assertThat(r.exitCode()).isEqualTo(137);
    assertThat(r.timedOut()).isFalse();
  }

  @Test
  void killsATimedOutCommandAndEverythingItStarted() throws IOException {
    Path marker = scratch().resolve("marker");
    Path pids = scratch().resolve("pids");
    // the child keeps running after its parent unless the runner kills the whole tree
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "sleep 30 & echo $! > \"$2\"; echo $$ >> \"$2\"; sleep 30; touch \"$1\"",
            "sh", marker.toString(), pids.toString())
        .timeout(Duration.ofSeconds(3)) // generous: the shell must have started on a busy host
        .build());
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(CommandResult.TIMED_OUT_EXIT_CODE);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.duration()).isLessThan(Duration.ofSeconds(15));
    for (String pid : Files.readAllLines(pids)) {
      long p = Long.parseLong(pid.trim());
      ProcessHandle.of(p).ifPresent(h -> waitForExit(h, pid));
    }
    assertThat(marker).doesNotExist();
  }

  private static void waitForExit(ProcessHandle h, String pid) {
    try {
      h.onExit().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("process " + pid + " survived the timeout kill", e);
    }
  }

  @Test
  void returnsAtOnceWhenABackgroundProcessHasItsOutputRedirected() {
    CommandResult detached = runner().run(Command.builder()
        .argv("sh", "-c", "sleep 15 > /dev/null 2>&1 & echo started")
        .timeout(Duration.ofSeconds(30))
        .build());
    assertThat(detached.timedOut()).isFalse();
    assertThat(detached.exitCode()).isZero();
    assertThat(detached.stdout()).isEqualTo("started\n");
    // waiting for the background sleep would take 15 s; the margin is for a loaded machine
    assertThat(detached.duration()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void keepsPartialOutputOfATimedOutCommand() {
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "echo before; echo oops >&2; sleep 30")
        .timeout(Duration.ofSeconds(3))
        .build());
    assertThat(r.timedOut()).isTrue();
    assertThat(r.stdout()).isEqualTo("before\n");
    assertThat(r.stderr()).isEqualTo("oops\n");
  }

  @Test
  void capturesLargeOutputsCompletely() {
    // 3 MB on stdout and 1 MB on stderr at once: no deadlock, nothing lost
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' e >&2 & "
            + "head -c 3000000 /dev/zero | tr '\\0' o; wait")
        .outputLimit(4_000_000)
        .build());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout().length()).isEqualTo(3_000_000);
    assertThat(r.stdout().chars().allMatch(c -> c == 'o')).as("stdout is all 'o'").isTrue();
    assertThat(r.stderr().length()).isEqualTo(1_000_000);
    assertThat(r.stderr().chars().allMatch(c -> c == 'e')).as("stderr is all 'e'").isTrue();
    assertThat(r.stdoutTruncated()).isFalse();
  }

  @Test
  void capsCapturedOutputAtTheLimitAndSaysSo() {
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo short >&2")
        .outputLimit(1000)
        .build());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout().length()).isEqualTo(1000);
    assertThat(r.stdout().chars().allMatch(c -> c == 'x')).as("stdout is all 'x'").isTrue();
    assertThat(r.stdoutTruncated()).isTrue();
    assertThat(r.stderr()).isEqualTo("short\n");
    assertThat(r.stderrTruncated()).isFalse();
  }

  @Test
  void streamsTaggedLinesAsTheyArrive() {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Path gate = scratch().resolve("gate");
    // the command waits for the listener to react to its first line: lines must arrive live
    CommandResult r = runner().stream(Command.builder()
        .argv("sh", "-c", "echo first; i=0; while [ ! -e \"$1\" ] && [ $i -lt 200 ]; do "
            + "sleep 0.05; i=$((i+1)); done; echo problem >&2; printf 'last'", "sh",
            gate.toString())
        .timeout(Duration.ofSeconds(20))
        .build(), (channel, line) -> {
          lines.add(channel + ":" + line);
          if (line.equals("first")) {
            try {
              Files.createFile(gate);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
    assertThat(r.exitCode()).isZero();
    // stdout and stderr are separate pipes read separately: only each channel's order is defined
    assertThat(lines).containsExactlyInAnyOrder("STDOUT:first", "STDERR:problem", "STDOUT:last");
    assertThat(lines.get(0)).isEqualTo("STDOUT:first");
    assertThat(lines).filteredOn(l -> l.startsWith("STDOUT:")).containsExactly("STDOUT:first", "STDOUT:last");
    assertThat(r.stdout()).isEqualTo("first\nlast");
    assertThat(r.duration()).isLessThan(Duration.ofSeconds(9));
  }

  private static void assumeSudo() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/sudo")),
        "sudo is not installed (Debian package sudo; .ci/run installs it)");
  }

  @Test
  void runsCommandsAsTheSudoUserWithTheirEnvironment() {
    assumeSudo();
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "id -un; printf '%s' \"$VR_SECRET\"")
        .sudoUser("nobody")
        .putEnv("VR_SECRET", "a b'c $(x)")
        .build());
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout()).isEqualTo("nobody\na b'c $(x)");
  }

  @Test
  void killsATimedOutSudoCommand() {
    assumeSudo();
    CommandResult r = runner().run(Command.builder()
        .argv("sh", "-c", "echo $$; exec sleep 30")
        .sudoUser("nobody")
        .timeout(Duration.ofSeconds(3))
        .build());
    assertThat(r.timedOut()).isTrue();
    String pid = r.stdout().trim();
    assertThat(pid).as("the command printed its pid; stderr: %s", r.stderr()).isNotEmpty();
    ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> waitForExit(h, pid));
  }

  @Test
  void streamsEveryLineEvenPastTheCaptureLimit() {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    CommandResult r = runner().stream(Command.builder()
        .argv("sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo \"line $i\"; i=$((i+1)); done")
        .outputLimit(100)
        .build(), (channel, line) -> lines.add(line));
    assertThat(r.exitCode()).isZero();
    assertThat(lines).hasSize(2000).startsWith("line 0").endsWith("line 1999");
    assertThat(r.stdoutTruncated()).isTrue();
    assertThat(r.stdout().length()).isEqualTo(100);
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheCommand() {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    CommandResult r = runner().stream(Command.of("sh", "-c", "echo a; echo b; echo c"),
        (channel, line) -> {
          lines.add(line);
          throw new IllegalStateException("listener bug on " + line);
        });
    assertThat(r.exitCode()).isZero();
    assertThat(lines).containsExactly("a", "b", "c");
    assertThat(r.stdout()).isEqualTo("a\nb\nc\n");
  }

  @Test
  void runCheckedThrowsNamingHostCommandExitCodeAndStderr() {
    Command failing = Command.of("sh", "-c", "echo 'disk full' >&2; exit 3");
    assertThatThrownBy(() -> runner().runChecked(failing))
        .isInstanceOfSatisfying(CommandFailedException.class, e -> {
          assertThat(e.host()).isEqualTo(runner().host());
          assertThat(e.exitCode()).isEqualTo(3);
          assertThat(e.argv()).isEqualTo(failing.argv());
          assertThat(e.stderrTail()).isEqualTo("disk full");
          assertThat(e.getMessage()).contains(runner().host(), "exit code 3", "disk full");
        });
    assertThat(runner().runChecked(Command.of("echo", "ok")).stdout()).isEqualTo("ok\n");
  }

  @Test
  void runCheckedThrowsOnTimeout() {
    Command slow = Command.builder().argv("sleep", "30").timeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> runner().runChecked(slow))
        .isInstanceOfSatisfying(CommandFailedException.class, e -> {
          assertThat(e.timedOut()).isTrue();
          assertThat(e.getMessage()).contains("timed out");
        });
  }

  @Test
  void uploadsAndDownloadsBinaryFilesByteForByte() {
    byte[] content = new byte[300_000];
    new SplittableRandom(7).nextBytes(content);
    runner().upload(content, path("blob.bin"), 0640);
    assertThat(runner().download(path("blob.bin"))).isEqualTo(content);
    String odd = path("it's a $(file) `with` ; odd\nname ✓");
    runner().upload(content, odd, 0644);
    assertThat(runner().download(odd)).isEqualTo(content);
    assertThat(runner().exists(odd)).isTrue();
    runner().remove(odd, false);
    assertThat(runner().exists(odd)).isFalse();
    byte[] empty = new byte[0];
    runner().upload(empty, path("empty"), 0600);
    assertThat(runner().download(path("empty"))).isEmpty();
  }

  @Test
  void uploadsLocalFilesWithTheGivenMode() throws IOException {
    Path local = Files.createTempFile("vr-upload", ".bin");
    try {
      byte[] content = new byte[2_000_000];
      new SplittableRandom(11).nextBytes(content);
      Files.write(local, content);
      runner().upload(local, path("from-file.bin"), 0755);
      assertThat(Files.readAllBytes(scratch().resolve("from-file.bin"))).isEqualTo(content);
      assertThat(PosixFilePermissions.toString(
          Files.getPosixFilePermissions(scratch().resolve("from-file.bin"))))
          .isEqualTo("rwxr-xr-x");
    } finally {
      Files.deleteIfExists(local);
    }
  }

  @Test
  void setsTheModeOfUploadedFiles() throws IOException {
    runner().upload(new byte[] {1}, path("secret"), 0600);
    assertThat(PosixFilePermissions.toString(
        Files.getPosixFilePermissions(scratch().resolve("secret")))).isEqualTo("rw-------");
    runner().upload(new byte[] {1}, path("secret"), 0644);
    assertThat(PosixFilePermissions.toString(
        Files.getPosixFilePermissions(scratch().resolve("secret")))).isEqualTo("rw-r--r--");
  }

  @Test
  void replacesFilesAtomicallySoReadersNeverSeeAPart() throws Exception {
    byte[] a = new byte[1_000_000];
    byte[] b = new byte[1_000_000];
    java.util.Arrays.fill(a, (byte) 'a');
    java.util.Arrays.fill(b, (byte) 'b');
    Path file = scratch().resolve("swap");
    runner().upload(a, file.toString(), 0644);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      Future<Integer> reads = reader.submit(() -> {
        int n = 0;
        while (!stop.get()) {
          byte[] seen = Files.readAllBytes(file);
          assertThat(seen).satisfiesAnyOf(s -> assertThat(s).isEqualTo(a),
              s -> assertThat(s).isEqualTo(b));
          n++;
        }
        return n;
      });
      for (int i = 0; i < 6; i++) {
        runner().upload(i % 2 == 0 ? b : a, file.toString(), 0644);
      }
      stop.set(true);
      assertThat(reads.get(30, TimeUnit.SECONDS)).isPositive();
    } finally {
      reader.shutdownNow();
    }
    try (var listing = Files.list(scratch())) {
      assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("swap");
    }
  }

  @Test
  void refusesToUploadIntoAMissingDirectoryNamingThePath() {
    String target = path("missing/file");
    assertThatThrownBy(() -> runner().upload(new byte[] {1}, target, 0644))
        .isInstanceOf(RemoteFileException.class)
        .hasMessageContaining(target)
        .hasMessageContaining(runner().host());
  }

  @Test
  void refusesBadUploadPathsAndModes() {
    assertThatThrownBy(() -> runner().upload(new byte[] {1}, "relative/file", 0644))
        .isInstanceOf(PathRefusedException.class).hasMessageContaining("relative/file");
    assertThatThrownBy(() -> runner().upload(new byte[] {1}, "/", 0644))
        .isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> runner().upload(new byte[] {1}, "", 0644))
        .isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> runner().upload(new byte[] {1}, path("f"), 01777))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("01777");
  }

  @Test
  void downloadOfAMissingFileNamesHostAndPath() {
    String missing = path("nope");
    assertThatThrownBy(() -> runner().download(missing))
        .isInstanceOf(RemoteFileException.class)
        .hasMessageContaining(missing)
        .hasMessageContaining(runner().host());
  }

  @Test
  void tellsWhetherPathsExistCountingDanglingSymlinks() throws IOException {
    assertThat(runner().exists(scratch().toString())).isTrue();
    assertThat(runner().exists(path("nope"))).isFalse();
    Files.createSymbolicLink(scratch().resolve("dangling"), scratch().resolve("nope"));
    assertThat(runner().exists(path("dangling"))).isTrue();
    assertThat(runner().exists(path("a file ' with $(odd) name"))).isFalse();
    Files.write(scratch().resolve("a file ' with $(odd) name"), new byte[0]);
    assertThat(runner().exists(path("a file ' with $(odd) name"))).isTrue();
  }

  @Test
  void removesFilesAndDirectoriesAndIgnoresMissingOnes() throws IOException {
    Files.write(scratch().resolve("f"), new byte[] {1});
    Files.createDirectories(scratch().resolve("tree/a/b"));
    Files.write(scratch().resolve("tree/a/b/c"), new byte[] {1});
    Files.createDirectory(scratch().resolve("empty-dir"));
    runner().remove(path("f"), false);
    runner().remove(path("empty-dir"), false);
    runner().remove(path("tree"), true);
    runner().remove(path("never-existed"), true);
    runner().remove(path("never/existed/either"), false);
    try (var listing = Files.list(scratch())) {
      assertThat(listing).isEmpty();
    }
  }

  @Test
  void refusesToRemoveANonEmptyDirectoryWithoutRecursive() throws IOException {
    Files.createDirectories(scratch().resolve("full"));
    Files.write(scratch().resolve("full/x"), new byte[] {1});
    assertThatThrownBy(() -> runner().remove(path("full"), false))
        .isInstanceOf(RemoteFileException.class)
        .hasMessageContaining(path("full"));
    assertThat(scratch().resolve("full/x")).exists();
  }

  @Test
  void removesASymlinkNotItsTarget() throws IOException {
    Path keep = Files.createDirectories(scratch().resolve("keep"));
    Files.write(keep.resolve("precious"), new byte[] {1});
    Files.createSymbolicLink(scratch().resolve("link"), keep);
    runner().remove(path("link"), true);
    assertThat(scratch().resolve("link")).doesNotExist();
    assertThat(keep.resolve("precious")).exists();
  }

  @Test
  void refusesDangerousRemoves() {
    for (String bad : List.of("/", "", "//", "/.", "relative", "/etc", "/etc/passwd")) {
      assertThatThrownBy(() -> runner().remove(bad, true))
          .as("remove('%s')", bad)
          .isInstanceOf(PathRefusedException.class);
    }
    String escaping = scratch() + "/../../../etc";
    assertThatThrownBy(() -> runner().remove(escaping, true))
        .isInstanceOf(PathRefusedException.class)
        .hasMessageContaining(escaping);
    assertThat(Path.of("/etc/passwd")).exists();
  }

  @Test
  void reportsTheRemovalRootItConfinesRemoveTo() throws IOException {
    String root = runner().removalRoot().orElseThrow(() -> new AssertionError(
        runner() + " does not report its removal root"));
    assertThat(scratch().toString()).startsWith(root + "/");
    // a sibling of the root that merely shares its name as a prefix is outside it
    String sibling = root + "-sibling/f";
    assertThatThrownBy(() -> runner().remove(sibling, false))
        .isInstanceOf(PathRefusedException.class)
        .hasMessageContaining(root);
  }

  @Test
  void refusesToRemoveThroughASymlinkThatLeavesTheRoot() throws IOException {
    Path outside = Files.createTempDirectory("vr-outside");
    try {
      Files.write(outside.resolve("precious"), new byte[] {1});
      Files.createSymbolicLink(scratch().resolve("escape"), outside);
      assertThatThrownBy(() -> runner().remove(path("escape/precious"), true))
          .isInstanceOf(PathRefusedException.class)
          .hasMessageContaining("escape/precious");
      assertThat(outside.resolve("precious")).exists();
    } finally {
      Files.deleteIfExists(outside.resolve("precious"));
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void runsCommandsConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<CommandResult>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String word = "w" + i;
        results.add(pool.submit(() -> runner().run(
            Command.of("sh", "-c", "sleep 0.2; echo \"$1\"", "sh", word))));
      }
      for (int i = 0; i < 8; i++) {
        assertThat(results.get(i).get(30, TimeUnit.SECONDS).stdout()).isEqualTo("w" + i + "\n");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anOpenCommandAnswersEachLineAsItComesAndExitsOnEndOfStdin() throws IOException {
    try (RunningCommand c = runner().open(Command.of("sh", "-c",
        "while read -r l; do echo \"got $l\"; echo \"err $l\" >&2; done; exit 3"))) {
      java.io.BufferedReader out = new java.io.BufferedReader(
          new java.io.InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
      java.io.BufferedReader err = new java.io.BufferedReader(
          new java.io.InputStreamReader(c.stderr(), StandardCharsets.UTF_8));
      for (String word : List.of("one", "two ünïcode", "three")) {
        // a conversation: the reply to a line comes before the next line is sent
        c.stdin().write((word + "\n").getBytes(StandardCharsets.UTF_8));
        c.stdin().flush();
        assertThat(out.readLine()).isEqualTo("got " + word);
        assertThat(err.readLine()).isEqualTo("err " + word);
      }
      assertThat(c.isAlive()).isTrue();
      assertThat(c.waitFor(Duration.ofMillis(50))).isEmpty();
      c.stdin().close();
      assertThat(c.waitFor(Duration.ofSeconds(20))).hasValue(3);
      assertThat(c.isAlive()).isFalse();
      assertThat(out.readLine()).isNull();
    }
  }

  @Test
  void destroyingAnOpenCommandKillsItAndWhatItStarted() throws IOException {
    Path pids = scratch().resolve("open-pids");
    RunningCommand c = runner().open(Command.builder()
        .argv("sh", "-c", "sleep 300 & echo $! > \"$1\"; echo $$ >> \"$1\"; echo ready; wait",
            "sh", pids.toString()).build());
    java.io.BufferedReader out = new java.io.BufferedReader(
        new java.io.InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("ready");
    List<String> started = Files.readAllLines(pids);
    assertThat(started).hasSize(2);
    c.destroy();
    for (String pid : started) {
      ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(h -> waitForExit(h, pid));
    }
    assertThat(c.waitFor(Duration.ofSeconds(20))).isPresent();
    assertThat(c.isAlive()).isFalse();
    c.destroy(); // idempotent
  }

  /** A listener that ignores lines (for subclasses). */
  protected static LineListener ignoring() {
    return LineListener.ignoring();
  }
}
