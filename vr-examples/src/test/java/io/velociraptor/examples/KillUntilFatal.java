package io.velociraptor.examples;

import io.velociraptor.core.model.ProcState;
import io.velociraptor.supervisor.ProcessInfo;
import io.velociraptor.supervisor.SupervisorClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A proc killed by hand until Supervisor gives up on it, as the tests that watch vr repair a
 * FATAL proc need it (ReconcilerIT, DashboardIT).
 */
public final class KillUntilFatal {
  private KillUntilFatal() {
  }

  /**
   * Kills the program's process group with SIGKILL (Supervisor makes each program a group leader,
   * so the proc's children die too, as an OOM kill or an operator's {@code kill -9} of the proc
   * would have them), and again each time Supervisor starts it anew, until Supervisor reports it
   * FATAL. A kill while STARTING is a failed start try: the program's {@code startretries} (3) of
   * them make it FATAL. A kill that comes too late (the proc reached RUNNING) only makes Supervisor
   * restart it and count again, so a slow machine takes longer but still gets there.
   *
   * <p>A reconciler over that supervisord should be paused meanwhile: else it may repair the
   * transient EXITED between two kills instead of the FATAL proc.
   *
   * @param supervisor the client of the supervisord that runs the program
   * @param program the program's name
   * @param limit how long to go on before failing (generous: CI is a loaded 2-core machine)
   * @return how many times it killed
   * @throws AssertionError if the program is not FATAL within {@code limit}, naming what was last seen
   */
  public static int kill(SupervisorClient supervisor, String program, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    long killed = -1;
    int kills = 0;
    while (true) {
      ProcessInfo info = supervisor.getProcessInfo(program);
      if (info.state() == ProcState.FATAL) {
        return kills;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit.toSeconds() + " s killing " + program + " on "
            + supervisor.endpoint().label() + " until FATAL, after " + kills + " kills; last seen: " + info);
      }
      long pid = info.pid().orElse(0);
      if ((info.state() == ProcState.STARTING || info.state() == ProcState.RUNNING) && pid > 0 && pid != killed) {
        killGroup(pid);
        killed = pid;
        kills++;
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /**
   * {@code kill -KILL -- -pid}: the process group whose leader is that pid, then every process
   * that descended from it when the kill began. An LXC proc's container (its init and the app)
   * is a child of {@code lxc-execute} in a process group of its own: killing the group alone
   * would leave the container running, orphaned, after the test.
   */
  private static void killGroup(long pid) {
    List<ProcessHandle> descendants = ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
    try {
      Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(30, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new AssertionError("kill -KILL -- -" + pid + " did not return in 30 s");
      }
      // the group may already be gone (the proc died between the look and the kill): the next look sees it
      if (kill.exitValue() != 0 && !out.contains("No such process")) {
        throw new AssertionError("kill -KILL -- -" + pid + " failed (" + kill.exitValue() + "): " + out);
      }
      descendants.forEach(ProcessHandle::destroyForcibly); // SIGKILL; one already gone is no error
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted killing " + pid, e);
    }
  }
}
