package io.velociraptor.supervisor.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProgramSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ProcController} must do, run against the Supervisor-backed controller and the
 * embedded one with the same programs (real processes: {@code /bin/sh}, {@code sleep}).
 */
public abstract class ProcControllerContract {
  private final AtomicInteger counter = new AtomicInteger();

  /** @return the controller under test */
  protected abstract ProcController controller();

  /** @return the host to act on */
  protected abstract Host host();

  /** @return a directory for log files */
  protected abstract Path logDir();

  /** Called after each test once its programs are removed, also when the test failed. */
  protected void afterEachTest() {}

  /** Removes whatever the test left installed. */
  @AfterEach
  void removeEverything() {
    try {
      for (ObservedProc p : controller().procs(host())) {
        controller().remove(host(), p.name());
      }
    } finally {
      afterEachTest();
    }
  }

  protected ProgramSpec.Builder program(String prefix, String script) {
    String name = prefix + "_" + counter.incrementAndGet();
    return ProgramSpec.builder().name(name).argv("/bin/sh", "-c", script)
        .startSecs(1).startRetries(0).stopWaitSecs(5)
        .stdoutLogfile(logDir().resolve(name + ".log").toString());
  }

  protected static ProcName name(ProgramSpec spec) {
    return ProcName.parse(spec.name());
  }

  protected Optional<ObservedProc> observed(ProgramSpec spec) {
    return controller().procs(host()).stream().filter(p -> p.name().format().equals(spec.name())).findFirst();
  }

  protected ObservedProc awaitState(ProgramSpec spec, ProcState state) {
    return await("state " + state + " of " + spec.name(),
        () -> observed(spec).filter(p -> p.state() == state).orElse(null));
  }

  protected static <T> T await(String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    T last;
    while ((last = probe.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    return last;
  }

  @Test
  void installStartsAnAutostartProgramWhichThenRuns() {
    ProgramSpec spec = program("web", "exec sleep 1000").build();
    controller().install(host(), spec);
    ObservedProc p = awaitState(spec, ProcState.RUNNING);
    assertThat(p.pid()).isPresent();
    assertThat(p.host()).isEqualTo(host().name());
    assertThat(p.startedAt()).isPresent();
  }

  @Test
  void installWithoutAutostartLeavesTheProgramStopped() {
    ProgramSpec spec = program("idle", "exec sleep 1000").autoStart(false).build();
    controller().install(host(), spec);
    assertThat(observed(spec)).map(ObservedProc::state).contains(ProcState.STOPPED);
    controller().start(host(), name(spec));
    assertThat(observed(spec)).map(ObservedProc::state).contains(ProcState.RUNNING);
  }

  @Test
  void installingTheSameSpecAgainChangesNothing() {
    ProgramSpec spec = program("same", "exec sleep 1000").build();
    controller().install(host(), spec);
    OptionalInt pid = awaitState(spec, ProcState.RUNNING).pid();
    controller().install(host(), spec);
    assertThat(controller().procs(host()).stream().filter(p -> p.name().format().equals(spec.name())))
        .hasSize(1);
    assertThat(observed(spec).orElseThrow().pid()).isEqualTo(pid);
  }

  @Test
  void installingAChangedSpecReplacesTheRunningProgram() {
    ProgramSpec v1 = program("upd", "echo version-one; exec sleep 1000").build();
    controller().install(host(), v1);
    OptionalInt pid = awaitState(v1, ProcState.RUNNING).pid();
    ProgramSpec v2 = v1.toBuilder().argv("/bin/sh", "-c", "echo version-two; exec sleep 1000").build();
    controller().install(host(), v2);
    ObservedProc p = await("a new pid", () -> observed(v2)
        .filter(o -> o.state() == ProcState.RUNNING && !o.pid().equals(pid)).orElse(null));
    assertThat(p.pid()).isNotEqualTo(pid);
    await("version-two in the log",
        () -> controller().logTail(host(), name(v2), 4096).contains("version-two") ? true : null);
  }

  @Test
  void startAndStopAreIdempotent() {
    ProgramSpec spec = program("ss", "exec sleep 1000").autoStart(false).build();
    controller().install(host(), spec);
    controller().stop(host(), name(spec));
    controller().start(host(), name(spec));
    controller().start(host(), name(spec));
    assertThat(observed(spec)).map(ObservedProc::state).contains(ProcState.RUNNING);
    controller().stop(host(), name(spec));
    controller().stop(host(), name(spec));
    assertThat(observed(spec)).map(ObservedProc::state).contains(ProcState.STOPPED);
  }

  @Test
  void removeIsIdempotentAndForgetsTheProgram() {
    ProgramSpec spec = program("rm", "exec sleep 1000").build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.RUNNING);
    controller().remove(host(), name(spec));
    controller().remove(host(), name(spec));
    assertThat(observed(spec)).isEmpty();
    assertThatThrownBy(() -> controller().start(host(), name(spec)))
        .isInstanceOfSatisfying(ProcControlException.class, e -> {
          assertThat(e.reason()).isEqualTo(ProcControlException.Reason.NO_SUCH_PROC);
          assertThat(e.program()).isEqualTo(spec.name());
          assertThat(e.getMessage()).contains(spec.name()).contains(host().name().value());
        });
  }

  @Test
  void aProgramThatExitsAtOnceFailsToStartWithAReason() {
    ProgramSpec spec = program("crash", "exit 3").autoStart(false).startSecs(1).startRetries(0).build();
    controller().install(host(), spec);
    assertThatThrownBy(() -> controller().start(host(), name(spec)))
        .isInstanceOfSatisfying(ProcControlException.class,
            e -> assertThat(e.reason()).isEqualTo(ProcControlException.Reason.START_FAILED));
    // Supervisor passes through BACKOFF on its way to FATAL when no retries are left
    awaitState(spec, ProcState.FATAL);
  }

  @Test
  void aLogIsReadOnFromAnOffsetAsItIsWritten() throws java.io.IOException {
    Path go = logDir().resolve("talk-on-" + System.nanoTime());
    ProgramSpec spec = program("talker", "echo first; echo second; while [ ! -e " + go + " ]; do sleep 0.1; done; echo third;"
        + " exec sleep 1000").build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.RUNNING);
    io.velociraptor.core.spi.LogChunk start = await("two lines", () -> {
      io.velociraptor.core.spi.LogChunk c = controller().logRead(host(), name(spec), -1, 4096);
      return c.text().equals("first\nsecond\n") ? c : null;
    });
    assertThat(start.nextOffset()).isEqualTo("first\nsecond\n".length());
    assertThat(start.skipped()).isFalse();
    // nothing new: empty, the same offset
    io.velociraptor.core.spi.LogChunk none = controller().logRead(host(), name(spec), start.nextOffset(), 4096);
    assertThat(none.text()).isEmpty();
    assertThat(none.nextOffset()).isEqualTo(start.nextOffset());
    java.nio.file.Files.createFile(go); // the program waits for it: the third line comes after the reads above
    io.velociraptor.core.spi.LogChunk more = await("the third line", () -> {
      io.velociraptor.core.spi.LogChunk c = controller().logRead(host(), name(spec), start.nextOffset(), 4096);
      return c.text().isEmpty() ? null : c;
    });
    assertThat(more.text()).isEqualTo("third\n");
    assertThat(more.nextOffset()).isEqualTo(start.nextOffset() + 6);
    // more than asked for since the offset: the end, and it says so
    io.velociraptor.core.spi.LogChunk tail = controller().logRead(host(), name(spec), 0, 8);
    assertThat(tail.skipped()).isTrue();
    assertThat(tail.text()).isEqualTo("d\nthird\n");
    assertThatThrownBy(() -> controller().logRead(host(), name(spec), -2, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-2");
    assertThatThrownBy(() -> controller().logRead(host(), name(spec), 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aProgramThatIgnoresTheStopSignalIsKilledAfterStopWaitSecs() {
    ProgramSpec spec = program("stubborn", "trap '' TERM; echo trapped; while :; do sleep 0.2; done")
        .stopWaitSecs(1).build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.RUNNING);
    await("the trap", () -> controller().logTail(host(), name(spec), 100).contains("trapped") ? true : null);
    long t0 = System.nanoTime();
    controller().stop(host(), name(spec));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
    assertThat(observed(spec)).map(ObservedProc::state).contains(ProcState.STOPPED);
  }

  @Test
  void aProgramThatExitsIsRestartedWhenAutorestartIsAlways() {
    ProgramSpec spec = program("flappy", "echo run; sleep 1.5; exit 0")
        .autoRestart(ProgramSpec.AutoRestart.ALWAYS).startSecs(1).startRetries(3).build();
    controller().install(host(), spec);
    OptionalInt first = awaitState(spec, ProcState.RUNNING).pid();
    await("a restart with a new pid", () -> observed(spec)
        .filter(p -> p.state() == ProcState.RUNNING && p.pid().isPresent() && !p.pid().equals(first))
        .orElse(null));
  }

  @Test
  void aProgramThatExitsExpectedlyStaysExitedWhenAutorestartIsUnexpected() {
    ProgramSpec spec = program("oneshot", "sleep 1.2; exit 0").startSecs(1)
        .autoRestart(ProgramSpec.AutoRestart.UNEXPECTED).build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.EXITED);
  }

  @Test
  void logTailCapturesStdoutAndRedirectedStderr() {
    ProgramSpec spec = program("logger", "echo out-line; echo err-line >&2; exec sleep 1000").build();
    controller().install(host(), spec);
    String log = await("both lines", () -> {
      String t = controller().logTail(host(), name(spec), 4096);
      return t.contains("out-line") && t.contains("err-line") ? t : null;
    });
    assertThat(controller().logTail(host(), name(spec), 5)).hasSizeLessThanOrEqualTo(5);
    assertThat(log).contains("out-line");
  }

  @Test
  void theEnvironmentAndDirectoryReachTheProgram() {
    ProgramSpec spec = program("env", "echo \"v=$VR_TEST_VALUE\"; pwd; exec sleep 1000")
        .putEnvironment("VR_TEST_VALUE", "a b,c%d").directory(logDir().toString()).build();
    controller().install(host(), spec);
    await("the environment in the log", () -> {
      String t = controller().logTail(host(), name(spec), 4096);
      return t.contains("v=a b,c%d") && t.contains(logDir().toString()) ? t : null;
    });
  }

  @Test
  void programNamesAreParsedIntoOursAndForeign() {
    ProgramSpec ours = ProgramSpec.builder().name("web-1.0-prod-abcdef12-web-5" + (100 + counter.incrementAndGet())
        + "-abcdefgh").argv("/bin/sh", "-c", "exec sleep 1000").autoStart(false)
        .stdoutLogfile(logDir().resolve("ours.log").toString()).build();
    ProgramSpec foreign = program("foreign", "exec sleep 1000").autoStart(false).build();
    controller().install(host(), ours);
    controller().install(host(), foreign);
    assertThat(observed(ours).orElseThrow().name().kind()).isEqualTo(ProcName.Kind.OURS);
    assertThat(observed(ours).orElseThrow().port()).isPresent();
    assertThat(observed(foreign).orElseThrow().name().kind()).isEqualTo(ProcName.Kind.FOREIGN);
    assertThat(controller().procs(host())).isSorted();
  }

  @Test
  void operationsOnAnUnknownProgramSayItIsNotInstalled() {
    ProcName missing = ProcName.parse("never_installed");
    for (Runnable op : new Runnable[] {
        () -> controller().start(host(), missing),
        () -> controller().stop(host(), missing),
        () -> controller().logTail(host(), missing, 100)}) {
      assertThatThrownBy(op::run).isInstanceOfSatisfying(ProcControlException.class,
          e -> assertThat(e.reason()).isEqualTo(ProcControlException.Reason.NO_SUCH_PROC));
    }
    controller().remove(host(), missing);
  }

  @Test
  void aProgramThatKeepsFailingIsRetriedStartretriesTimesThenFatal() {
    ProgramSpec spec = program("retry", "echo attempt; exit 1").startSecs(1).startRetries(2).build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.FATAL);
    String log = controller().logTail(host(), name(spec), 4096);
    assertThat(log.split("attempt", -1)).as("one first try and two retries in:%n%s", log).hasSize(4);
  }

  @Test
  void theConfiguredStopSignalIsTheOneSent() {
    ProgramSpec spec = program("sigint", "trap 'echo got-INT; exit 0' INT; echo ready; while :; do sleep 0.2; done")
        .stopSignal(ProgramSpec.StopSignal.INT).build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.RUNNING);
    await("the trap", () -> controller().logTail(host(), name(spec), 100).contains("ready") ? true : null);
    controller().stop(host(), name(spec));
    await("the INT handler's output",
        () -> controller().logTail(host(), name(spec), 200).contains("got-INT") ? true : null);
  }

  @Test
  void stopAsGroupAlsoStopsTheProgramsChildren() {
    ProgramSpec spec = program("group", "sleep 1000 & echo child=$!; wait").stopAsGroup(true).build();
    controller().install(host(), spec);
    awaitState(spec, ProcState.RUNNING);
    long child = await("the child's pid", () -> {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("child=(\\d+)")
          .matcher(controller().logTail(host(), name(spec), 200));
      return m.find() ? Long.parseLong(m.group(1)) : null;
    });
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).contains(true);
    controller().stop(host(), name(spec));
    await("the child to be gone", () -> ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) ? null : true);
  }
}
