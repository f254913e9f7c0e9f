package io.velociraptor.supervisor;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.HostConnectionException;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.RemoteFileException;
import io.velociraptor.core.spi.ProcControlException.Reason;
import io.velociraptor.core.spi.LogChunk;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProgramSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ProcController} over each host's supervisord: program files are written into the
 * host's include directory and applied with {@code reloadConfig} and {@code addProcessGroup}
 * (the "update" Supervisor's API lacks), in as few round trips as {@code system.multicall} allows.
 * ALREADY_STARTED, NOT_RUNNING and ALREADY_ADDED count as success.
 *
 * <p>One {@link SupervisorClient} per host, made on first use; {@link #close()} releases them.
 */
public final class SupervisorProcController implements ProcController, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorProcController.class);
  private static final Set<SupervisorFault> START_FAILURES = Set.of(SupervisorFault.SPAWN_ERROR,
      SupervisorFault.ABNORMAL_TERMINATION, SupervisorFault.NO_FILE, SupervisorFault.NOT_EXECUTABLE);

  private final ClientPool clients;
  private final Function<Host, CommandRunner> runners;
  private final Function<Host, String> includeDir;
  private final Duration waitTimeout;

  private SupervisorProcController(Builder b) {
    this.clients = new ClientPool(b.endpoints);
    this.runners = b.runners;
    this.includeDir = b.includeDir;
    this.waitTimeout = b.waitTimeout;
  }

  /** A builder; endpoints, command runners and the include directory are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the client this controller uses for it.
   *
   * @param host a host
   * @return the client this controller uses for it
   */
  public SupervisorClient client(Host host) {
    return clients.client(host);
  }

  /**
   * Writes the program's file into the include directory and has supervisord reload and add it; a
   * changed program is replaced.
   */
  @Override
  public void install(Host host, ProgramSpec spec) {
    String name = spec.name();
    String text;
    try {
      text = ProgramSection.render(spec);
    } catch (InvalidValueException e) {
      throw ProcControlException.of(Reason.REJECTED, host.name().value(), name,
          "cannot install " + name + " on " + host.name() + ": " + e.getMessage(), e);
    }
    String path = path(host, spec.name());
    SupervisorClient c = clients.client(host);
    run(host, name, "install", () -> {
      runners.apply(host).upload(text.getBytes(StandardCharsets.UTF_8), path, 0644);
      List<Object> r = c.multicall(List.of(
          SupervisorClient.Call.of("supervisor.reloadConfig", null),
          SupervisorClient.Call.of("supervisor.addProcessGroup", name, name)));
      if (r.get(0) instanceof SupervisorException) {
        SupervisorException reread = (SupervisorException) r.get(0);
        if (reread.getMessage().contains(path) || reread.getMessage().contains("program:" + name + "'")) {
          runners.apply(host).remove(path, false); // never leave a file that breaks the host's configuration
          throw ProcControlException.of(Reason.REJECTED, host.name().value(), name,
              "supervisor on " + host.name() + " cannot read the program file of " + name + ": "
                  + reread.faultString().orElse(reread.getMessage()), reread);
        }
        throw reread;
      }
      ConfigChanges changes = Replies.configChanges(c.endpoint(), "supervisor.reloadConfig", r.get(0));
      Object added = r.get(1);
      if (Boolean.TRUE.equals(added)) {
        LOG.info("installed {} on {}", name, host.name());
        return null;
      }
      SupervisorException fault = (SupervisorException) added;
      if (fault.is(SupervisorFault.BAD_NAME)) {
        throw ProcControlException.of(Reason.FAILED, host.name().value(), name,
            "supervisor on " + host.name() + " did not pick up " + path
                + ": its [include] files= must cover that directory", fault);
      }
      if (!fault.is(SupervisorFault.ALREADY_ADDED)) {
        throw fault;
      }
      if (changes.changed().contains(name)) {
        replace(host, c, name);
        LOG.info("updated {} on {}", name, host.name());
      } else if (spec.autoStart()) {
        ProcessInfo info = c.getProcessInfo(name);
        if (!info.state().isUp() && info.state() != ProcState.STOPPING) {
          tolerate(() -> c.startProcess(name, false), SupervisorFault.ALREADY_STARTED);
        }
      }
      return null;
    });
  }

  /**
   * Installs many programs on one host with one supervisord round trip however many there are:
   * every file is written, then one {@code system.multicall} re-reads the configuration and adds
   * every new group; programs that were already installed are then handled as {@link #install}
   * does.
   *
   * @param host the host
   * @param specs the programs
   * @throws ProcControlException as {@link #install}; nothing is written if a spec is rejected
   */
  public void installAll(Host host, java.util.Collection<ProgramSpec> specs) {
    java.util.Map<String, ProgramSpec> byName = new java.util.TreeMap<>();
    java.util.Map<String, String> texts = new java.util.TreeMap<>();
    for (ProgramSpec spec : specs) {
      try {
        texts.put(spec.name(), ProgramSection.render(spec));
      } catch (InvalidValueException e) {
        throw ProcControlException.of(Reason.REJECTED, host.name().value(), spec.name(),
            "cannot install " + spec.name() + " on " + host.name() + ": " + e.getMessage(), e);
      }
      byName.put(spec.name(), spec);
    }
    if (byName.isEmpty()) {
      return;
    }
    SupervisorClient c = clients.client(host);
    List<ProgramSpec> again = new ArrayList<>();
    run(host, byName.size() + " programs", "install", () -> {
      CommandRunner runner = runners.apply(host);
      texts.forEach((name, text) -> runner.upload(text.getBytes(StandardCharsets.UTF_8), path(host, name), 0644));
      List<SupervisorClient.Call> calls = new ArrayList<>();
      calls.add(SupervisorClient.Call.of("supervisor.reloadConfig", null));
      byName.keySet().forEach(n -> calls.add(SupervisorClient.Call.of("supervisor.addProcessGroup", n, n)));
      List<Object> r = c.multicall(calls);
      if (r.get(0) instanceof SupervisorException) {
        throw (SupervisorException) r.get(0);
      }
      int i = 1;
      for (ProgramSpec spec : byName.values()) {
        Object result = r.get(i++);
        if (result instanceof SupervisorException) {
          SupervisorException e = (SupervisorException) result;
          if (!e.is(SupervisorFault.ALREADY_ADDED)) {
            throw e;
          }
          again.add(spec);
        }
      }
      return null;
    });
    for (ProgramSpec spec : again) {
      install(host, spec); // already active: unchanged (start if needed) or changed (replace)
    }
    LOG.info("installed {} programs on {}", byName.size(), host.name());
  }

  /**
   * Removes many programs from one host: one {@code system.multicall} signals them all to stop,
   * they are awaited together (up to the wait timeout), a second multicall removes them, their
   * files are deleted and one {@code reloadConfig} follows. Programs that are not installed are
   * skipped.
   *
   * @param host the host
   * @param names the programs
   * @throws ProcControlException as {@link #remove}
   */
  public void removeAll(Host host, java.util.Collection<ProcName> names) {
    java.util.SortedSet<String> sorted = new java.util.TreeSet<>();
    names.forEach(n -> sorted.add(n.format()));
    if (sorted.isEmpty()) {
      return;
    }
    SupervisorClient c = clients.client(host).withReadTimeout(clients.client(host).readTimeout().plus(waitTimeout));
    run(host, sorted.size() + " programs", "remove", () -> {
      // signal every program at once, then wait for all of them: stops run in parallel
      List<SupervisorClient.Call> stops = new ArrayList<>();
      sorted.forEach(n -> stops.add(SupervisorClient.Call.of("supervisor.stopProcess", n, n, false)));
      for (Object o : c.multicall(stops)) {
        requireOkOrMissing(o, SupervisorFault.NOT_RUNNING);
      }
      long deadline = System.nanoTime() + waitTimeout.toNanos();
      while (true) {
        List<String> busy = c.getAllProcessInfo().stream()
            .filter(p -> sorted.contains(p.namespec()) && (p.state().isUp() || p.state() == ProcState.STOPPING))
            .map(ProcessInfo::namespec).toList();
        if (busy.isEmpty()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw ProcControlException.of(Reason.FAILED, host.name().value(), busy.get(0),
              busy.size() + " programs on " + host.name() + " did not stop within " + waitTimeout.toSeconds()
                  + " s, e.g. " + busy.get(0), null);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100));
      }
      List<SupervisorClient.Call> removes = new ArrayList<>();
      sorted.forEach(n -> removes.add(SupervisorClient.Call.of("supervisor.removeProcessGroup", n, n)));
      for (Object o : c.multicall(removes)) {
        requireOkOrMissing(o, SupervisorFault.BAD_NAME);
      }
      CommandRunner runner = runners.apply(host);
      sorted.forEach(n -> runner.remove(path(host, n), false));
      c.reloadConfig();
      return null;
    });
    LOG.info("removed {} programs from {}", sorted.size(), host.name());
  }

  private void replace(Host host, SupervisorClient c, String name) {
    List<Object> r = c.withReadTimeout(c.readTimeout().plus(waitTimeout)).multicall(List.of(
        SupervisorClient.Call.of("supervisor.stopProcess", name, name, true),
        SupervisorClient.Call.of("supervisor.removeProcessGroup", name, name),
        SupervisorClient.Call.of("supervisor.addProcessGroup", name, name)));
    requireOk(r.get(0), SupervisorFault.NOT_RUNNING);
    requireOk(r.get(1), SupervisorFault.BAD_NAME);
    requireOk(r.get(2), SupervisorFault.ALREADY_ADDED);
  }

  private static void requireOk(Object result, SupervisorFault alreadySo) {
    if (result instanceof SupervisorException && !((SupervisorException) result).is(alreadySo)) {
      throw (SupervisorException) result;
    }
  }

  /**
   * Starts the program through supervisord and waits until it is RUNNING; one already running is
   * success.
   */
  @Override
  public void start(Host host, ProcName name) {
    String n = name.format();
    SupervisorClient c = clients.client(host).withReadTimeout(clients.client(host).readTimeout().plus(waitTimeout));
    run(host, n, "start", () -> {
      tolerate(() -> c.startProcess(n, true), SupervisorFault.ALREADY_STARTED);
      return null;
    });
  }

  /**
   * Stops the program through supervisord and waits until it has stopped; one not running is
   * success.
   */
  @Override
  public void stop(Host host, ProcName name) {
    String n = name.format();
    SupervisorClient c = clients.client(host).withReadTimeout(clients.client(host).readTimeout().plus(waitTimeout));
    run(host, n, "stop", () -> {
      tolerate(() -> c.stopProcess(n, true), SupervisorFault.NOT_RUNNING);
      return null;
    });
  }

  /**
   * Stops and removes the program's process group, deletes its program file and has supervisord
   * reload.
   */
  @Override
  public void remove(Host host, ProcName name) {
    String n = name.format();
    SupervisorClient c = clients.client(host).withReadTimeout(clients.client(host).readTimeout().plus(waitTimeout));
    String path = path(host, n);
    run(host, n, "remove", () -> {
      List<Object> r = c.multicall(List.of(
          SupervisorClient.Call.of("supervisor.stopProcess", n, n, true),
          SupervisorClient.Call.of("supervisor.removeProcessGroup", n, n)));
      requireOkOrMissing(r.get(0), SupervisorFault.NOT_RUNNING);
      if (r.get(1) instanceof SupervisorException && ((SupervisorException) r.get(1)).is(SupervisorFault.STILL_RUNNING)) {
        // it was restarting (BACKOFF) between the stop and the remove: stop once more
        tolerate(() -> c.stopProcess(n, true), SupervisorFault.NOT_RUNNING);
        tolerate(() -> c.removeProcessGroup(n), SupervisorFault.BAD_NAME);
      } else {
        requireOkOrMissing(r.get(1), SupervisorFault.BAD_NAME);
      }
      runners.apply(host).remove(path, false);
      c.reloadConfig();
      LOG.info("removed {} from {}", n, host.name());
      return null;
    });
  }

  private static void requireOkOrMissing(Object result, SupervisorFault alreadySo) {
    if (result instanceof SupervisorException) {
      SupervisorException e = (SupervisorException) result;
      if (!e.is(alreadySo) && !e.is(SupervisorFault.BAD_NAME)) {
        throw e;
      }
    }
  }

  /** Every program the host's supervisord runs, vr's or not, sorted by name. */
  @Override
  public List<ObservedProc> procs(Host host) {
    return run(host, "*", "observe", () -> toObserved(host, clients.client(host).getAllProcessInfo()));
  }

  static List<ObservedProc> toObserved(Host host, List<ProcessInfo> infos) {
    List<ObservedProc> out = new ArrayList<>(infos.size());
    for (ProcessInfo p : infos) {
      out.add(ObservedProc.builder()
          .host(host.name())
          .name(ProcName.parse(p.namespec()))
          .state(p.state())
          .pid(p.pid().isPresent() && p.pid().getAsLong() <= Integer.MAX_VALUE
              ? OptionalInt.of((int) p.pid().getAsLong()) : OptionalInt.empty())
          .startedAt(p.startedAt())
          .description(p.description())
          .build());
    }
    out.sort(null);
    return List.copyOf(out);
  }

  /**
   * The tail of the program's stdout log as supervisord reads it; empty if nothing was logged yet.
   */
  @Override
  public String logTail(Host host, ProcName name, int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    String n = name.format();
    return run(host, n, "read the log of", () -> {
      try {
        return clients.client(host).tailProcessStdoutLog(n, 0, maxBytes).text();
      } catch (SupervisorException e) {
        if (e.is(SupervisorFault.NO_FILE)) {
          return ""; // nothing logged yet
        }
        throw e;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Supervisor's {@code tailProcessStdoutLog}; a log not written yet reads as empty at 0.
   */
  @Override
  public LogChunk logRead(Host host, ProcName name, long offset, int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    if (offset < -1 || offset > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("offset must be -1 or a log offset: " + offset);
    }
    String n = name.format();
    return run(host, n, "read the log of", () -> {
      SupervisorClient c = clients.client(host);
      long size;
      try {
        // a tail of 0 bytes: the log's length, nothing read (tailProcessStdoutLog returns the last
        // bytes whatever the offset, so the read below is readProcessStdoutLog, from an offset)
        size = c.tailProcessStdoutLog(n, 0, 0).offset();
      } catch (SupervisorException e) {
        if (e.is(SupervisorFault.NO_FILE)) {
          return new LogChunk("", 0, false); // nothing logged yet
        }
        throw e;
      }
      long from = offset < 0 || offset > size ? 0 : offset; // past the end: rotated or cleared, a new log
      boolean skipped = size - from > maxBytes;
      if (skipped) {
        from = size - maxBytes;
      }
      if (from == size) {
        return new LogChunk("", size, false);
      }
      String text = c.readProcessStdoutLog(n, (int) from, (int) (size - from));
      return new LogChunk(text, size, skipped);
    });
  }

  private static void tolerate(Runnable call, SupervisorFault alreadySo) {
    try {
      call.run();
    } catch (SupervisorException e) {
      if (!e.is(alreadySo)) {
        throw e;
      }
    }
  }

  private interface Op<T> {
    T run();
  }

  private <T> T run(Host host, String program, String action, Op<T> op) {
    try {
      return op.run();
    } catch (HostConnectionException e) {
      throw ProcControlException.of(Reason.UNREACHABLE, host.name().value(), program,
          "could not " + action + " " + program + " on " + host.name() + ": " + e.getMessage(), e);
    } catch (RemoteFileException e) {
      throw ProcControlException.of(Reason.FAILED, host.name().value(), program,
          "could not " + action + " " + program + " on " + host.name() + ": " + e.getMessage(), e);
    } catch (SupervisorException e) {
      Reason reason;
      if (e.kind() != SupervisorException.Kind.FAULT) {
        reason = e.kind() == SupervisorException.Kind.PROTOCOL ? Reason.FAILED : Reason.UNREACHABLE;
      } else if (e.is(SupervisorFault.BAD_NAME)) {
        reason = Reason.NO_SUCH_PROC;
      } else if (e.fault().filter(START_FAILURES::contains).isPresent()) {
        reason = Reason.START_FAILED;
      } else {
        reason = Reason.FAILED;
      }
      String detail = reason == Reason.START_FAILED ? spawnError(host, program) : "";
      throw ProcControlException.of(reason, host.name().value(), program,
          "could not " + action + " " + program + " on " + host.name() + ": " + e.getMessage() + detail, e);
    }
  }

  private String spawnError(Host host, String program) {
    try {
      return clients.client(host).getProcessInfo(program).spawnError().map(s -> " (" + s + ")").orElse("");
    } catch (SupervisorException ignored) {
      return "";
    }
  }

  private String path(Host host, String program) {
    String dir = includeDir.apply(host);
    return (dir.endsWith("/") ? dir : dir + "/") + program + ".conf";
  }

  /** Closes the connections to every host's supervisord. */
  @Override
  public void close() {
    clients.close();
  }

  /** Collects a {@link SupervisorProcController}. */
  public static final class Builder {
    private SupervisorEndpoints endpoints;
    private Function<Host, CommandRunner> runners;
    private Function<Host, String> includeDir;
    private Duration waitTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /**
     * Sets how to reach each host's supervisord.
     *
     * @param endpoints how to reach each host's supervisord
     * @return this builder
     */
    public Builder endpoints(SupervisorEndpoints endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    /**
     * Sets the absolute directory every host's supervisord includes ({@code [include]
     * files=<dir>/*.conf}).
     *
     * @param includeDir the absolute directory every host's supervisord includes ({@code [include]
     *     files=<dir>/*.conf})
     * @return this builder
     */
    public Builder includeDir(String includeDir) {
      Objects.requireNonNull(includeDir, "includeDir");
      return includeDir(h -> includeDir);
    }

    /**
     * Sets the include directory per host.
     *
     * @param includeDir the include directory per host
     * @return this builder
     */
    public Builder includeDir(Function<Host, String> includeDir) {
      this.includeDir = Objects.requireNonNull(includeDir, "includeDir");
      return this;
    }

    /**
     * Sets the command runner of each host (local or SSH), used to write and delete program files
     * in the include directory; the runner's removal root must contain it.
     *
     * @param runners the command runner of each host (local or SSH), used to write and delete
     *     program files in the include directory; the runner's removal root must contain it
     * @return this builder
     */
    public Builder commandRunners(Function<Host, CommandRunner> runners) {
      this.runners = Objects.requireNonNull(runners, "runners");
      return this;
    }

    /**
     * Sets how much longer than the read timeout a call that waits for a start or stop may take
     * (default 60 s; make it exceed your programs' startsecs and stopwaitsecs).
     *
     * @param waitTimeout how much longer than the read timeout a call that waits for a start or
     *     stop may take (default 60 s; make it exceed your programs' startsecs and stopwaitsecs)
     * @return this builder
     */
    public Builder waitTimeout(Duration waitTimeout) {
      this.waitTimeout = Objects.requireNonNull(waitTimeout, "waitTimeout");
      return this;
    }

    /**
     * Builds the controller.
     *
     * @return the controller
     * @throws IllegalStateException if endpoints, command runners or the include directory is missing
     */
    public SupervisorProcController build() {
      if (endpoints == null || runners == null || includeDir == null) {
        throw new IllegalStateException("a SupervisorProcController needs endpoints, command runners and an include dir");
      }
      return new SupervisorProcController(this);
    }
  }
}
