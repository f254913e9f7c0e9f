package io.velociraptor.supervisor.embedded;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.ProcControlException.Reason;
import io.velociraptor.core.spi.LogChunk;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProgramSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-JVM {@link ProcController} with Supervisor's process model, for machines without
 * supervisord (the demo, users' tests). Programs are real child processes of the JVM; each
 * {@link Host} is a separate namespace (the host's address is not used).
 *
 * <p>States and rules follow Supervisor: STARTING until the program has stayed up {@code
 * startsecs}, then RUNNING; an exit while STARTING is BACKOFF and is retried after 1, 2, 3... s
 * until {@code startretries} is used up (then FATAL); an exit while RUNNING is EXITED and is
 * restarted per {@code autorestart} and {@code exitcodes}; a stop sends {@code stopsignal} (to
 * the children too with {@code stopasgroup}) and SIGKILL after {@code stopwaitsecs}. Output goes
 * to the stdout log file (stderr too with {@code redirect_stderr}, else to {@code
 * <log>.stderr}); logs are appended to, not rotated. Programs start with every signal at its
 * default disposition, also when this JVM ignores some (spawned through {@code env
 * --default-signal} where the machine's env has it). Programs run as the JVM's user: a spec naming
 * another user is rejected.
 */
public final class EmbeddedProcController implements ProcController, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedProcController.class);

  private final Path logDir;
  private final Clock clock;
  private final Duration maxWait;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<HostName, Map<String, Program>> hosts = new HashMap<>();
  private final ScheduledExecutorService timer;
  private final DefaultSignals defaultSignals;
  private boolean closed;

  private EmbeddedProcController(Path logDir, Clock clock, Duration maxWait) {
    this.logDir = logDir;
    this.clock = clock;
    this.maxWait = maxWait;
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "vr-embedded-supervisor");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.defaultSignals = DefaultSignals.probe();
    if (!defaultSignals.available()) {
      LOG.warn("env --default-signal is not available: programs inherit the signals this JVM ignores");
    }
  }

  /**
   * A controller whose starts and stops wait at most 120 s beyond the program's own startsecs and
   * stopwaitsecs; close it to stop every program.
   *
   * @param logDir where logs of programs without a stdout log file go (created if missing)
   * @return a controller; close it to stop every program
   * @throws UncheckedIOException if the directory cannot be created
   */
  public static EmbeddedProcController create(Path logDir) {
    return create(logDir, Duration.ofSeconds(120));
  }

  /**
   * A controller whose starts and stops wait at most {@code maxWait} beyond the program's own
   * startsecs and stopwaitsecs; close it to stop every program.
   *
   * @param logDir where logs of programs without a stdout log file go (created if missing)
   * @param maxWait the longest a start or stop waits, beyond the program's own startsecs and
   *     stopwaitsecs
   * @return a controller; close it to stop every program
   * @throws UncheckedIOException if the directory cannot be created
   */
  public static EmbeddedProcController create(Path logDir, Duration maxWait) {
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the log directory " + logDir, e);
    }
    return new EmbeddedProcController(logDir.toAbsolutePath(), Clock.systemUTC(), maxWait);
  }

  /** One program and its Supervisor-style state. Guarded by {@link #lock}. */
  private final class Program {
    final HostName host;
    ProgramSpec spec;
    ProcState state = ProcState.STOPPED;
    Process process;
    Instant startedAt;
    Instant stoppedAt;
    int backoff;
    int exitStatus;
    String spawnError = "";
    ScheduledFuture<?> pending;
    long generation;
    boolean removed;

    Program(HostName host, ProgramSpec spec) {
      this.host = host;
      this.spec = spec;
    }

    Path log() {
      return spec.stdoutLogfile().map(Path::of).orElse(logDir.resolve(host.value() + "-" + spec.name() + ".log"));
    }

    void set(ProcState s) {
      if (state != s) {
        LOG.debug("{} on {}: {} -> {}", spec.name(), host, state, s);
      }
      state = s;
      changed.signalAll();
    }

    void cancelPending() {
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }

    /** Spawns the process; STARTING, or BACKOFF/FATAL if it cannot be spawned. */
    void spawn() {
      cancelPending();
      long gen = ++generation;
      ProcessBuilder pb = new ProcessBuilder();
      spec.directory().ifPresent(d -> pb.directory(Path.of(d).toFile()));
      pb.environment().putAll(spec.environment());
      pb.environment().put("SUPERVISOR_PROCESS_NAME", spec.name());
      pb.environment().put("SUPERVISOR_GROUP_NAME", spec.name());
      pb.redirectInput(ProcessBuilder.Redirect.PIPE);
      try {
        pb.command(defaultSignals.command(spec.argv(), spec.directory().map(Path::of)));
        Path log = log();
        Files.createDirectories(log.toAbsolutePath().getParent());
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (spec.redirectStderr()) {
          pb.redirectErrorStream(true);
        } else {
          pb.redirectError(ProcessBuilder.Redirect.appendTo(Path.of(log + ".stderr").toFile()));
        }
        process = pb.start();
        process.getOutputStream().close();
      } catch (IOException e) {
        process = null;
        spawnError = "spawn error: " + e.getMessage();
        exitedWhileStarting();
        return;
      }
      spawnError = "";
      startedAt = clock.instant();
      set(ProcState.STARTING);
      Process p = process;
      p.onExit().thenRun(() -> onExit(gen, p));
      if (spec.startSecs() == 0) {
        running();
      } else {
        pending = timer.schedule(() -> locked(() -> {
          if (generation == gen && state == ProcState.STARTING && p.isAlive()) {
            running();
          }
        }), spec.startSecs(), TimeUnit.SECONDS);
      }
    }

    void running() {
      backoff = 0;
      set(ProcState.RUNNING);
    }

    void exitedWhileStarting() {
      backoff++;
      if (backoff > spec.startRetries()) {
        set(ProcState.FATAL);
        return;
      }
      set(ProcState.BACKOFF);
      long gen = generation;
      pending = timer.schedule(() -> locked(() -> {
        if (generation == gen && state == ProcState.BACKOFF && !removed) {
          spawn();
        }
      }), backoff, TimeUnit.SECONDS);
    }

    void onExit(long gen, Process p) {
      locked(() -> {
        if (generation != gen) {
          return;
        }
        exitStatus = p.exitValue();
        stoppedAt = clock.instant();
        process = null;
        switch (state) {
          case STOPPING -> {
            cancelPending();
            set(ProcState.STOPPED);
          }
          case STARTING -> {
            cancelPending();
            spawnError = "exited too quickly (status " + exitStatus + ")";
            exitedWhileStarting();
          }
          case RUNNING -> {
            set(ProcState.EXITED);
            boolean expected = spec.exitCodes().contains(exitStatus);
            boolean restart = spec.autoRestart() == ProgramSpec.AutoRestart.ALWAYS
                || (spec.autoRestart() == ProgramSpec.AutoRestart.UNEXPECTED && !expected);
            if (restart && !removed && !closed) {
              spawn();
            }
          }
          default -> set(state);
        }
      });
    }

    /** Sends the stop signal; STOPPING, then SIGKILL after stopwaitsecs. */
    void stop() {
      cancelPending();
      if (state == ProcState.BACKOFF) {
        set(ProcState.STOPPED);
        return;
      }
      if (process == null || !(state == ProcState.RUNNING || state == ProcState.STARTING)) {
        return;
      }
      Process p = process;
      set(ProcState.STOPPING);
      signal(p, spec.stopSignal().name(), spec.stopAsGroup());
      long gen = generation;
      pending = timer.schedule(() -> locked(() -> {
        if (generation == gen && state == ProcState.STOPPING && p.isAlive()) {
          LOG.info("{} on {} did not stop within {} s: killing it", spec.name(), host, spec.stopWaitSecs());
          if (spec.killAsGroup()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
          }
          p.destroyForcibly();
        }
      }), spec.stopWaitSecs(), TimeUnit.SECONDS);
    }

    ObservedProc observe() {
      io.velociraptor.core.model.ImmutableObservedProc.Builder b = ObservedProc.builder().host(host).name(ProcName.parse(spec.name())).state(state);
      Process p = process;
      if (p != null && p.pid() <= Integer.MAX_VALUE) {
        b.pid(OptionalInt.of((int) p.pid()));
      }
      if (startedAt != null) {
        b.startedAt(startedAt);
      }
      b.description(describe(p));
      return b.build();
    }

    private String describe(Process p) {
      if (state == ProcState.RUNNING && p != null && startedAt != null) {
        long s = Duration.between(startedAt, clock.instant()).getSeconds();
        return String.format("pid %d, uptime %d:%02d:%02d", p.pid(), s / 3600, (s / 60) % 60, s % 60);
      }
      if (state == ProcState.BACKOFF || state == ProcState.FATAL) {
        return spawnError;
      }
      return startedAt == null ? "Not started" : "";
    }
  }

  private static void signal(Process p, String signal, boolean group) {
    List<ProcessHandle> targets = new ArrayList<>();
    targets.add(p.toHandle());
    if (group) {
      p.descendants().forEach(targets::add);
    }
    for (ProcessHandle h : targets) {
      if ("TERM".equals(signal)) {
        h.destroy();
      } else if ("KILL".equals(signal)) {
        h.destroyForcibly();
      } else {
        try {
          // Java sends only TERM and KILL itself; kill(1) delivers the others
          new ProcessBuilder("kill", "-s", signal, Long.toString(h.pid())).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
          h.destroy();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private void locked(Runnable r) {
    lock.lock();
    try {
      r.run();
    } finally {
      lock.unlock();
    }
  }

  private Map<String, Program> programs(Host host) {
    return hosts.computeIfAbsent(host.name(), h -> new HashMap<>());
  }

  private Program require(Host host, String name) {
    Program p = programs(host).get(name);
    if (p == null) {
      throw ProcControlException.of(Reason.NO_SUCH_PROC, host.name().value(), name,
          "no program " + name + " is installed on " + host.name() + " (embedded supervisor)", null);
    }
    return p;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the embedded supervisor is closed");
    }
  }

  /** Waits (lock held) until the program leaves the given states; false on timeout. */
  private boolean awaitNot(Program p, Duration timeout, ProcState... states) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (List.of(states).contains(p.state)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Installs the program in this embedded supervisor, which runs programs only as this JVM's user;
   * a changed program is stopped and replaced.
   */
  @Override
  public void install(Host host, ProgramSpec spec) {
    Objects.requireNonNull(spec, "spec");
    String me = System.getProperty("user.name");
    if (spec.user().isPresent() && !spec.user().get().equals(me)) {
      throw ProcControlException.of(Reason.REJECTED, host.name().value(), spec.name(),
          "the embedded supervisor runs programs as " + me + " and cannot run " + spec.name() + " as user "
              + spec.user().get(), null);
    }
    lock.lock();
    try {
      checkOpen();
      Program p = programs(host).get(spec.name());
      if (p != null && !p.spec.equals(spec)) {
        stopAndWait(host, p);
        p.spec = spec;
        if (spec.autoStart()) {
          p.backoff = 0;
          p.spawn();
        }
        LOG.info("updated {} on {} (embedded)", spec.name(), host.name());
        return;
      }
      if (p == null) {
        p = new Program(host.name(), spec);
        programs(host).put(spec.name(), p);
        LOG.info("installed {} on {} (embedded)", spec.name(), host.name());
      }
      if (spec.autoStart() && !p.state.isUp() && p.state != ProcState.STOPPING) {
        p.backoff = 0;
        p.spawn();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Spawns the program and waits until it is RUNNING; one already running is success. */
  @Override
  public void start(Host host, ProcName name) {
    String n = name.format();
    lock.lock();
    try {
      checkOpen();
      Program p = require(host, n);
      if (p.state == ProcState.RUNNING) {
        return;
      }
      if (p.state == ProcState.STOPPING) {
        awaitNot(p, Duration.ofSeconds(p.spec.stopWaitSecs()).plus(maxWait), ProcState.STOPPING);
      }
      if (p.state != ProcState.STARTING) {
        p.backoff = 0;
        p.spawn();
      }
      Duration wait = Duration.ofSeconds(p.spec.startSecs()).plus(maxWait);
      if (!awaitNot(p, wait, ProcState.STARTING)) {
        throw ProcControlException.of(Reason.FAILED, host.name().value(), n,
            n + " on " + host.name() + " was still starting after " + wait.toSeconds() + " s", null);
      }
      if (p.state != ProcState.RUNNING) {
        throw ProcControlException.of(Reason.START_FAILED, host.name().value(), n,
            "could not start " + n + " on " + host.name() + ": it is " + p.state + " (" + p.spawnError + ")", null);
      }
    } finally {
      lock.unlock();
    }
  }

  private void stopAndWait(Host host, Program p) {
    p.stop();
    Duration wait = Duration.ofSeconds(p.spec.stopWaitSecs()).plus(maxWait);
    if (!awaitNot(p, wait, ProcState.STOPPING)) {
      throw ProcControlException.of(Reason.FAILED, host.name().value(), p.spec.name(),
          p.spec.name() + " on " + host.name() + " did not stop within " + wait.toSeconds() + " s", null);
    }
  }

  /**
   * Stops the program (stop signal, then SIGKILL after its {@code stopwaitsecs}) and waits until it
   * has stopped.
   */
  @Override
  public void stop(Host host, ProcName name) {
    lock.lock();
    try {
      checkOpen();
      stopAndWait(host, require(host, name.format()));
    } finally {
      lock.unlock();
    }
  }

  /** Stops the program if it runs and forgets it; one not installed is success. */
  @Override
  public void remove(Host host, ProcName name) {
    lock.lock();
    try {
      checkOpen();
      Program p = programs(host).get(name.format());
      if (p == null) {
        return;
      }
      p.removed = true;
      stopAndWait(host, p);
      p.cancelPending();
      programs(host).remove(name.format());
      LOG.info("removed {} from {} (embedded)", name, host.name());
    } finally {
      lock.unlock();
    }
  }

  /** Every program installed on the host, sorted by name. */
  @Override
  public List<ObservedProc> procs(Host host) {
    lock.lock();
    try {
      checkOpen();
      List<ObservedProc> out = new ArrayList<>();
      for (Program p : programs(host).values()) {
        out.add(p.observe());
      }
      out.sort(null);
      return List.copyOf(out);
    } finally {
      lock.unlock();
    }
  }

  /** The tail of the program's stdout log file; empty if nothing was logged yet. */
  @Override
  public String logTail(Host host, ProcName name, int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    Path log = logOf(host, name);
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      long from = Math.max(0, len - maxBytes);
      byte[] b = new byte[(int) (len - from)];
      f.seek(from);
      f.readFully(b);
      return new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw ProcControlException.of(Reason.FAILED, host.name().value(), name.format(),
          "cannot read the log " + log + " of " + name + ": " + e.getMessage(), e);
    }
  }

  /** {@inheritDoc} The program's log file, read as Supervisor's {@code tailProcessStdoutLog} does. */
  @Override
  public LogChunk logRead(Host host, ProcName name, long offset, int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    if (offset < -1) {
      throw new IllegalArgumentException("offset must be -1 or a log offset: " + offset);
    }
    Path log = logOf(host, name);
    if (!Files.exists(log)) {
      return new LogChunk("", 0, false);
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      long from = offset < 0 || offset > len ? 0 : offset; // past the end: rotated or cleared, a new log
      boolean skipped = len - from > maxBytes;
      if (skipped) {
        from = len - maxBytes;
      }
      byte[] b = new byte[(int) (len - from)];
      f.seek(from);
      f.readFully(b);
      return new LogChunk(new String(b, StandardCharsets.UTF_8), len, skipped);
    } catch (IOException e) {
      throw ProcControlException.of(Reason.FAILED, host.name().value(), name.format(),
          "cannot read the log " + log + " of " + name + ": " + e.getMessage(), e);
    }
  }

  /** The program's log file; a program not installed is named in the error. */
  private Path logOf(Host host, ProcName name) {
    lock.lock();
    try {
      checkOpen();
      return require(host, name.format()).log();
    } finally {
      lock.unlock();
    }
  }

  /** Stops every program (stop signal, SIGKILL after stopwaitsecs) and the timer thread. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      for (Map<String, Program> programs : hosts.values()) {
        for (Program p : programs.values()) {
          p.removed = true;
          p.stop();
        }
      }
      for (Map.Entry<HostName, Map<String, Program>> e : hosts.entrySet()) {
        for (Program p : e.getValue().values()) {
          awaitNot(p, Duration.ofSeconds(p.spec.stopWaitSecs()).plusSeconds(5), ProcState.STOPPING);
          if (p.process != null) {
            p.process.destroyForcibly();
          }
        }
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    timer.shutdownNow();
  }
}
