package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ContainerRuntime#runOneShot} against the real host: exit codes, the exact environment
 * and argv, streamed output, the user, the working directory, the timeout that leaves nothing
 * behind, and the temporary directory removed. Subclasses choose the runtime and the command
 * runner (local or through a private sshd).
 */
abstract class OneShotContract {
  /** Values that break naive quoting anywhere on the way (SSH line, sh, lxc-execute, env). */
  static final Map<String, String> HOSTILE_ENV = hostileEnv();

  Path root;
  Path work;
  CommandRunner host;
  ContainerRuntime runtime;

  abstract ContainerRuntime runtime(String root);

  abstract CommandRunner runner(Path root) throws IOException;

  @BeforeEach
  void setUpHost() throws IOException {
    assumeTrue(Fixtures.isRoot(), "one-shot commands switch users and start containers: root only"
        + " (CI runs as root)");
    root = Fixtures.tempRoot();
    work = root.resolve("work");
    Files.createDirectories(work);
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
    host = runner(root);
    runtime = runtime(root.toString());
  }

  @AfterEach
  void tearDownHost() throws IOException {
    if (host != null) {
      host.close();
    }
    if (root != null) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  OneShot.Builder job(String... argv) {
    return OneShot.builder().argv(List.of(argv)).workingDir(work.toString())
        .addWritableDir(work.toString()).user("nobody").timeout(Duration.ofSeconds(60));
  }

  CommandResult run(OneShot.Builder job) {
    return runtime.runOneShot(host, job.build(), LineListener.ignoring());
  }

  @Test
  void returnsTheCommandsExitCode() {
    assertThat(run(job("/bin/true")).exitCode()).isZero();
    CommandResult r = run(job("/bin/sh", "-c", "echo out; echo err >&2; exit 7"));
    assertThat(r.exitCode()).isEqualTo(7);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
  }

  @Test
  void theCommandSeesExactlyTheGivenEnvironmentWhateverTheValuesHold() {
    CommandResult r = run(job("/usr/bin/env").env(HOSTILE_ENV));
    String expected = HOSTILE_ENV.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue() + "\n").collect(Collectors.joining());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo(expected);
  }

  @Test
  void theArgvArrivesWordForWord() {
    List<String> args = new ArrayList<>(HOSTILE_ENV.values());
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c",
        "for a; do printf '[%s]\\n' \"$a\"; done", "sh"));
    argv.addAll(args);
    CommandResult r = run(OneShot.builder().argv(argv).workingDir(work.toString())
        .addWritableDir(work.toString()).user("nobody"));
    assertThat(r.stdout()).isEqualTo(args.stream().map(a -> "[" + a + "]\n")
        .collect(Collectors.joining()));
  }

  @Test
  void streamsBothOutputsLineByLineTagged() {
    List<String> lines = new ArrayList<>();
    runtime.runOneShot(host, job("/bin/sh", "-c", "echo one; echo two >&2; printf three").build(),
        (channel, line) -> lines.add(channel + " " + line));
    assertThat(lines).containsExactlyInAnyOrder("STDOUT one", "STDERR two", "STDOUT three");
  }

  @Test
  void runsAsTheUserInTheWorkingDirectoryAndMayWriteItsWritableDirectories() throws IOException {
    CommandResult r = run(job("/bin/sh", "-c", "id -u; pwd; echo written > made"));
    assertThat(r.stdout()).isEqualTo(uidOf("nobody") + "\n" + work + "\n");
    assertThat(Files.readString(work.resolve("made"))).isEqualTo("written\n");
    assertThat(Files.getOwner(work.resolve("made")).getName()).isEqualTo("nobody");
  }

  @Test
  void hasNoNetworkUnlessAskedFor() {
    CommandResult off = run(job("/bin/cat", "/proc/net/dev"));
    assertThat(interfaces(off.stdout())).containsExactly("lo");
    CommandResult on = run(job("/bin/cat", "/proc/net/dev").network(true));
    assertThat(interfaces(on.stdout())).contains("lo").hasSizeGreaterThan(1);
  }

  @Test
  void atTheTimeoutEverythingItStartedIsKilledAndNothingIsLeft() throws IOException {
    // a unique sleep length marks this test's processes in /proc
    String token = "987." + (100000 + new java.util.Random().nextInt(800000));
    List<String> lines = new ArrayList<>();
    long t0 = System.nanoTime();
    CommandResult r = runtime.runOneShot(host, job("/bin/sh", "-c",
        "sh -c 'trap \"\" TERM; exec sleep " + token + "' >/dev/null 2>&1 &"
            + " echo started; trap '' TERM; sleep " + token)
        .timeout(Duration.ofSeconds(2)).build(), (c, l) -> lines.add(l));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(CommandResult.TIMED_OUT_EXIT_CODE);
    assertThat(took).isLessThan(Duration.ofSeconds(20));
    assertThat(lines).contains("started").noneMatch(l -> l.contains("vr-oneshot"));
    assertThat(r.stderr()).doesNotContain("vr-oneshot");
    assertThat(processesMentioning("sleep " + token)).as("processes left behind").isEmpty();
    assertNothingLeftUnderRoot();
  }

  @Test
  void aBackgroundChildIsKilledAlsoWhenTheCommandEndsInTime() throws IOException {
    String token = "876." + (100000 + new java.util.Random().nextInt(800000));
    CommandResult r = run(job("/bin/sh", "-c",
        "sh -c 'trap \"\" TERM; exec sleep " + token + "' >/dev/null 2>&1 & echo done"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.timedOut()).isFalse();
    assertThat(processesMentioning("sleep " + token)).as("processes left behind").isEmpty();
  }

  @Test
  void aChildThatLeavesTheSessionIsKilledToo() throws IOException {
    String token = "765." + (100000 + new java.util.Random().nextInt(800000));
    CommandResult r = run(job("/usr/bin/python3", "-c",
        "import os, signal, subprocess\n"
            + "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            + "subprocess.Popen(['sleep', '" + token + "'], start_new_session=True,"
            + " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            + "print('spawned')"));
    assertThat(r.stdout()).isEqualTo("spawned\n");
    assertThat(processesMentioning("sleep " + token)).as("processes left behind").isEmpty();
  }

  @Test
  void leavesNothingBehindAfterSuccessOrFailure() throws IOException {
    run(job("/bin/true"));
    run(job("/bin/false"));
    run(job("/nonexistent/program"));
    assertNothingLeftUnderRoot();
  }

  @Test
  void aUserThatDoesNotExistIsRefusedByName() {
    assertThatThrownBy(() -> run(job("/bin/true").user("no_such_vr_user")))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("no_such_vr_user").hasMessageContaining("does not exist");
  }

  /** Only the work directory the test made may remain under the root. */
  void assertNothingLeftUnderRoot() throws IOException {
    Path oneshot = root.resolve("oneshot");
    if (Files.isDirectory(oneshot)) {
      try (Stream<Path> s = Files.list(oneshot)) {
        assertThat(s).as("one-shot directories left behind").isEmpty();
      }
    }
  }

  static List<String> interfaces(String procNetDev) {
    return procNetDev.lines().skip(2).map(l -> l.strip().split(":")[0]).sorted().toList();
  }

  static String uidOf(String user) throws IOException {
    for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
      String[] f = line.split(":");
      if (f[0].equals(user)) {
        return f[2];
      }
    }
    throw new IOException("no user " + user);
  }

  /** Live (not zombie) processes whose command line holds {@code text}. */
  static List<String> processesMentioning(String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ');
          String stat = Files.readString(p.resolve("stat"));
          if (cmd.contains(text) && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
            out.add(p.getFileName() + ": " + cmd);
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    }
    return out;
  }

  private static Map<String, String> hostileEnv() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("EMPTY", "");
    m.put("QUOTES", "it's \"double\" and 'single'");
    m.put("SPACES", "  two  spaces  ");
    m.put("DOLLAR", "$HOME ${PATH} $(id) `id`");
    m.put("NEWLINES", "line one\nline two\n");
    m.put("SHELL_META", "; rm -rf / & | > < * ? [ ] ~ # ! \\");
    m.put("EQUALS", "a=b=c");
    m.put("UNICODE", "ünïcødé ✓");
    m.put("MARKERISH", "vr-pgid:1 and a random " + UUID.randomUUID());
    return m;
  }
}
