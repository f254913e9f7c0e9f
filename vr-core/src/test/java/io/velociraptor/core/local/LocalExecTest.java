package io.velociraptor.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real processes as the current user; what a script leaves behind must not outlive it. */
class LocalExecTest {
  private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

  @TempDir Path tmp;

  @Test
  void aBackgroundProcessAScriptLeavesIsKilledWhenTheScriptEnds() throws IOException {
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c", "sleep 300 & echo $!"), ENV,
        tmp, Optional.empty(), Duration.ofSeconds(30), true, line -> { });

    assertThat(r.exitCode()).isZero();
    long child = Long.parseLong(r.output().strip());
    assertThat(isRunning(child)).as("sleep started in the background by the script").isFalse();
  }

  @Test
  void aDescendantThatMovedToASessionOfItsOwnIsKilledAtTheTimeLimit() throws IOException {
    Path pidFile = tmp.resolve("pid");
    List<String> lines = new ArrayList<>();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        "setsid sleep 300 & echo $! > \"$0\"; echo started; sleep 300", pidFile.toString()), ENV,
        tmp, Optional.empty(), Duration.ofSeconds(1), false, lines::add);

    assertThat(r.timedOut()).isTrue();
    assertThat(lines).contains("started");
    long escaped = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(isRunning(escaped)).as("setsid sleep started by the hung script").isFalse();
  }

  @Test
  void aDaemonThatLeftTheScriptsSessionAndWasOrphanedIsKilledWhenTheScriptEnds()
      throws IOException {
    String marker = marker();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        orphanedDaemon(marker)), ENV,
        tmp, Optional.empty(), Duration.ofSeconds(30), false, line -> { });

    assertThat(r.exitCode()).isZero();
    assertThat(processesMentioning(marker)).as("orphaned setsid daemon of the script").isEmpty();
  }

  @Test
  void asTheBuildUserWithoutAPidNamespaceAnOrphanedDaemonIsKilledWhenTheScriptEnds()
      throws IOException {
    String marker = marker();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        orphanedDaemon(marker)), ENV,
        Path.of("/"), Optional.of(buildUser().withPidNamespace(false)), Duration.ofSeconds(30),
        false, line -> { });

    assertThat(r.exitCode()).isZero();
    assertThat(processesMentioning(marker)).as("orphaned setsid daemon of the script").isEmpty();
  }

  @Test
  void aScriptThatTrapsSigtermAtItsTimeLimitGetsItBeforeSigkill() throws IOException {
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        "trap 'echo got TERM; exit 1' TERM; echo started; while :; do sleep 1; done"), ENV, tmp,
        Optional.empty(), Duration.ofSeconds(1), false, lines::add);

    assertThat(r.timedOut()).isTrue();
    assertThat(lines).containsSubsequence("started", "got TERM");
  }

  @Test
  void leftoversFindsAGroupMemberWhoseNameHoldsParenthesesAndSpaces() throws Exception {
    Path weird = tmp.resolve("x) 1 2 (y");
    Files.copy(Path.of("/bin/sleep"), weird, StandardCopyOption.COPY_ATTRIBUTES);
    Process p = new ProcessBuilder("setsid", weird.toString(), "300").start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      // setsid forks when it already leads a group; wait until the program runs under its name
      while (!comm(p.pid()).equals("x) 1 2 (y") && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(LocalExec.leftovers(p.pid())).extracting(ProcessHandle::pid)
          .contains(p.pid());
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(LocalExec.leftovers(p.pid())).isEmpty();
  }

  @Test
  void theUserSwitchNamesTheUserAndGroupUnlessANameCouldBeReadAsANumber() {
    assertThat(new LocalExec.RunAs("vrbuild", 995, 995, "vrbuild", false).setpriv())
        .containsExactly("setpriv", "--reuid=vrbuild", "--regid=vrbuild", "--clear-groups", "--");
    assertThat(new LocalExec.RunAs("vrbuild", 995, 996).setpriv())
        .contains("--reuid=vrbuild", "--regid=996");
    assertThat(new LocalExec.RunAs("1000", 995, 995, "1000", false).setpriv())
        .contains("--reuid=995", "--regid=995");
    assertThat(new LocalExec.RunAs("-x", 995, 995, "--all", false).setpriv())
        .contains("--reuid=995", "--regid=995");
  }

  @Test
  void inAPidNamespaceADaemonThatLeftTheScriptsSessionDiesWhenTheScriptEnds() throws IOException {
    String marker = marker();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        "setsid sh -c 'sleep " + marker + " > /dev/null 2>&1 &'; echo started"), ENV, Path.of("/"),
        Optional.of(buildUser()), Duration.ofSeconds(30), false, line -> { });

    assertThat(r.exitCode()).isZero();
    assertThat(processesMentioning(marker)).as("setsid daemon of the script").isEmpty();
  }

  @Test
  void inAPidNamespaceAScriptThatSignalsItselfEndsWithThatSignal() throws IOException {
    List<String> lines = new ArrayList<>();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c", "kill -TERM $$; echo survived"),
        ENV, Path.of("/"), Optional.of(buildUser()), Duration.ofSeconds(30), false, lines::add);

    assertThat(r.exitCode()).isEqualTo(128 + 15);
    assertThat(lines).doesNotContain("survived");
  }

  @Test
  void inAPidNamespaceAHungScriptAndWhatItStartedAreKilledAtTheTimeLimit() throws IOException {
    String marker = marker();
    String hung = marker();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c",
        "sleep " + marker + " & echo started; sleep " + hung), ENV, Path.of("/"),
        Optional.of(buildUser()), Duration.ofSeconds(1), false, line -> { });

    assertThat(r.timedOut()).isTrue();
    assertThat(processesMentioning(marker)).as("its background child").isEmpty();
    assertThat(processesMentioning(hung)).as("the hung script").isEmpty();
  }

  @Test
  void inAPidNamespaceTheScriptRunsAsTheBuildUserWithoutSupplementaryGroups() throws IOException {
    LocalExec.RunAs u = buildUser();
    LocalExec.Result r = LocalExec.run(List.of("/bin/sh", "-c", "id -u; id -G"), ENV,
        Path.of("/"), Optional.of(u), Duration.ofSeconds(30), true, line -> { });

    assertThat(r.output()).isEqualTo(u.uid() + "\n" + u.gid() + "\n");
  }

  @Test
  void inAPidNamespaceTheScriptSeesExactlyTheEnvironmentItIsGiven() throws IOException {
    LocalExec.Result r = LocalExec.run(List.of("/usr/bin/env"), Map.of("PATH", "/usr/bin:/bin",
        "A", "1"), Path.of("/"), Optional.of(buildUser()), Duration.ofSeconds(30), true,
        line -> { });

    assertThat(r.output().lines().sorted()).containsExactly("A=1", "PATH=/usr/bin:/bin");
  }

  @Test
  void inAPidNamespaceTheScriptIsInASessionOfItsOwnWithoutATerminal() throws IOException {
    LocalExec.Result r = LocalExec.run(List.of("/bin/cat", "/proc/self/stat"), ENV, Path.of("/"),
        Optional.of(buildUser()), Duration.ofSeconds(30), true, line -> { });

    long[] script = sessionAndTerminal(r.output());
    long[] jvm = sessionAndTerminal(Files.readString(Path.of("/proc/self/stat")));
    assertThat(script[0]).as("session").isNotEqualTo(jvm[0]);
    assertThat(script[1]).as("controlling terminal").isZero();
  }

  @Test
  void hereStdoutAndStderrAreKeptTogetherWithTheExitCode() throws IOException {
    LocalExec.Result r = LocalExec.runHere(List.of("/bin/sh", "-c",
        "echo out; echo err >&2; exit 3"), Duration.ofSeconds(30), () -> { });

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.output()).isEqualTo("out\nerr\n");
  }

  @Test
  void hereOnlyTheLastBytesOfALongOutputAreKeptAndTheCutIsSaid() throws IOException {
    LocalExec.Result r = LocalExec.runHere(List.of("/bin/sh", "-c",
        "head -c 300000 /dev/zero | tr '\\0' a; echo; echo last"), Duration.ofSeconds(30),
        () -> { });

    assertThat(r.output()).startsWith("[output truncated to the last 65536 bytes]\n")
        .endsWith("a\nlast\n");
    assertThat(r.output().length()).isLessThanOrEqualTo(65536 + 64);
  }

  @Test
  void hereTheCommandSeesThisProcesssEnvironment() throws IOException {
    LocalExec.Result r = LocalExec.runHere(List.of("/usr/bin/env"), Duration.ofSeconds(30),
        () -> { });

    assertThat(r.output().lines()).contains("PATH=" + System.getenv("PATH"));
  }

  @Test
  void hereAtTheTimeLimitOnTimeoutRunsAndTheCommandAndItsChildrenAreKilled() throws IOException {
    String marker = marker();
    List<String> calls = new ArrayList<>();
    LocalExec.Result r = LocalExec.runHere(List.of("/bin/sh", "-c",
        "sleep " + marker + " & echo started; wait"), Duration.ofSeconds(1),
        () -> calls.add("onTimeout"));

    assertThat(r.timedOut()).isTrue();
    assertThat(calls).containsExactly("onTimeout");
    assertThat(r.output()).contains("started");
    assertThat(processesMentioning(marker)).as("its background child").isEmpty();
  }

  @Test
  void hereACommandThatCannotStartFailsNamingIt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalExec.runHere(
        List.of("/nonexistent/tool"), Duration.ofSeconds(5), () -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining("/nonexistent/tool");
  }

  /** @return fields 6 and 7 of proc(5)'s stat: the session id and the controlling terminal */
  private static long[] sessionAndTerminal(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
    return new long[] {Long.parseLong(f[3]), Long.parseLong(f[4])};
  }

  /**
   * A script that starts a daemon and ends once the daemon is in a session of its own and its
   * parent has ended: it is then in neither the script's process group nor its process tree.
   */
  private static String orphanedDaemon(String marker) {
    return "sh -c \"setsid sh -c 'echo ready; exec sleep " + marker + " >/dev/null 2>&1' &\""
        + " | head -n 1; echo started";
  }

  private static final String USER = "vrbuild";

  /** The build user, as root; these tests need root (to switch users and create namespaces). */
  private static LocalExec.RunAs buildUser() throws IOException {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "switching users needs root");
    if (!getent(USER).isPresent()) {
      LocalExec.Result r = LocalExec.runHere(List.of("useradd", "--system", "--no-create-home",
          "--shell", "/usr/sbin/nologin", USER), Duration.ofSeconds(30), () -> { });
      // 9: created meanwhile by a concurrent test run
      assertThat(r.exitCode()).as("useradd " + USER + ": " + r.output()).isIn(0, 9);
    }
    String[] f = getent(USER).orElseThrow().split(":");
    return new LocalExec.RunAs(USER, Integer.parseInt(f[2]), Integer.parseInt(f[3]))
        .withPidNamespace(true);
  }

  /** @return the user's /etc/passwd line, if there is one */
  private static Optional<String> getent(String user) throws IOException {
    LocalExec.Result r = LocalExec.runHere(List.of("getent", "passwd", user),
        Duration.ofSeconds(30), () -> { });
    return r.exitCode() == 0 ? Optional.of(r.output().strip()) : Optional.empty();
  }

  /** A sleep duration no other process on the machine has on its command line. */
  private static String marker() {
    return "300." + (1_000_000 + new java.util.SplittableRandom().nextInt(8_999_999));
  }

  /** Command lines (arguments joined by spaces) of live processes that contain {@code text}. */
  private static List<String> processesMentioning(String text) throws IOException {
    List<String> out = new ArrayList<>();
    String[] pids = new java.io.File("/proc").list();
    for (String pid : pids == null ? new String[0] : pids) {
      if (pid.isEmpty() || !Character.isDigit(pid.charAt(0))) {
        continue;
      }
      try {
        String cmd = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")),
            java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').strip();
        if (cmd.contains(text) && isRunning(Long.parseLong(pid))) {
          out.add(cmd);
        }
      } catch (IOException gone) {
        // it exited while we looked
      }
    }
    return out;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    } catch (IOException gone) {
      return "";
    }
  }

  /** Alive and not a zombie (pid 1 of a container may not reap orphans). */
  private static boolean isRunning(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return false;
    }
    String s;
    try {
      s = Files.readString(stat);
    } catch (IOException gone) {
      return false;
    }
    return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
  }
}
