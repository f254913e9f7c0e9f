package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain run script under SIGTERMs that come in the first microseconds of a start, when the
 * child may still be the script's own fork: it must always stop the child and exit. Many rounds,
 * because the window is narrow (about 1 in 50 stops lost the signal before the fix).
 */
class PlainRunScriptStopTest {
  private static final int ROUNDS = 300;

  @TempDir Path dir;
  private final String marker = "300." + ProcessHandle.current().pid() + System.nanoTime() % 100000;

  @AfterEach
  void killLeftovers() {
    leftovers().forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void aSigtermAtAnyMomentOfTheStartStopsTheChildAndTheScript() throws Exception {
    Path startSh = dir.resolve("start.sh");
    Files.writeString(startSh, "exec sleep " + marker + "\n");
    Path runSh = dir.resolve("run.sh");
    Files.writeString(runSh, Scripts.plainRunSh("demo.stop", startSh.toString(), Optional.empty(),
        Optional.empty(), List.of()));
    int stuck = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Process p = new ProcessBuilder("/bin/sh", runSh.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(round % 25 * 100L));
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        stuck++;
        p.destroyForcibly();
      }
    }
    assertThat(stuck).as("run scripts still running 20 s after their SIGTERM, of %d", ROUNDS).isZero();
    // the script exits only once its child has: nothing may be left the moment it is gone
    assertThat(leftovers()).as("children of stopped run scripts").isEmpty();
  }

  private List<ProcessHandle> leftovers() {
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().orElse("").contains("sleep " + marker)).toList();
  }
}
