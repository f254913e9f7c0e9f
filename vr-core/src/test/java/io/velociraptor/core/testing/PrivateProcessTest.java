package io.velociraptor.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateProcessTest {
  @TempDir
  Path dir;

  @Test
  void aProcessThatExitsWhileAwaitedFailsWithItsExitCodeAndLogTail() {
    try (PrivateProcess p = PrivateProcess.start("boom", List.of("/bin/sh", "-c",
        "echo first words; echo last words; exit 3"), dir, dir.resolve("out.log"))) {
      assertThatThrownBy(() -> p.awaitPort(PrivateProcess.freePort(), Duration.ofSeconds(20)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("boom exited with 3")
          .hasMessageContaining("last words");
      assertThat(p.isAlive()).isFalse();
    }
  }

  @Test
  void aProcessThatNeverBecomesReadyFailsAtTheDeadlineAndIsStopped() {
    Path never = dir.resolve("never");
    try (PrivateProcess p = PrivateProcess.start("sleeper", List.of("/bin/sleep", "60"), dir,
        dir.resolve("out.log"))) {
      long pid = p.pid();
      assertThatThrownBy(() -> p.awaitFile(never, Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("sleeper to write " + never)
          .hasMessageContaining("no success within PT0.3S");
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }
  }

  @Test
  void awaitReturnsOnceTheFileAppears() throws IOException {
    Path ready = dir.resolve("ready");
    try (PrivateProcess p = PrivateProcess.start("writer", List.of("/bin/sh", "-c",
        "echo up > \"$1\"; exec sleep 60", "sh", ready.toString()), dir, dir.resolve("out.log"))) {
      p.awaitFile(ready, Duration.ofSeconds(20));
      assertThat(Files.readString(ready)).isEqualTo("up\n");
      assertThat(p.isAlive()).isTrue();
    }
  }

  @Test
  void stopKillsAProcessThatIgnoresTermAndEverythingItStarted() throws IOException {
    Path childPid = dir.resolve("child.pid");
    try (PrivateProcess p = PrivateProcess.start("stubborn", List.of("/bin/sh", "-c",
        "trap '' TERM; sleep 300 & echo $! > \"$1\"; while :; do sleep 1; done", "sh",
        childPid.toString()), dir, dir.resolve("out.log"))) {
      p.await("the child's pid", Duration.ofSeconds(20), () -> readPid(childPid) > 0);
      long child = readPid(childPid);
      long parent = p.pid();

      p.stop(Duration.ofMillis(300));

      assertThat(ProcessHandle.of(parent).filter(ProcessHandle::isAlive)).isEmpty();
      assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).isEmpty();
      assertThat(p.isAlive()).isFalse();
      p.stop(); // idempotent
    }
  }

  @Test
  void logSinceStartLeavesOutWhatAnEarlierRunWroteToTheSameLog() {
    Path log = dir.resolve("out.log");
    try (PrivateProcess first = PrivateProcess.start("first", List.of("/bin/sh", "-c",
        "echo from the first run; exec sleep 60"), dir, log)) {
      first.await("the first line", Duration.ofSeconds(20),
          () -> first.logSinceStart().contains("first run"));
    }
    try (PrivateProcess second = PrivateProcess.start("second", List.of("/bin/sh", "-c",
        "echo from the second run; exec sleep 60"), dir, log)) {
      second.await("the second line", Duration.ofSeconds(20),
          () -> second.logSinceStart().contains("second run"));
      assertThat(second.logSinceStart()).doesNotContain("first run");
      assertThat(second.logTail()).contains("first run", "second run");
    }
  }

  private static long readPid(Path file) {
    try {
      String s = Files.readString(file).strip();
      return s.isEmpty() ? -1 : Long.parseLong(s);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
