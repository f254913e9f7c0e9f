package io.velociraptor.testkit;

import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A test double for a container runtime: remembers which proc directories exist on which host
 * (so tests can check that nothing leaks) and passes or fails uptests as told.
 */
public final class InMemoryContainerRuntime implements ContainerRuntime {
  private final Set<String> dirs = new TreeSet<>();
  private Predicate<ProcData> uptestPasses = p -> true;
  private Predicate<ProcData> setupFails = p -> false;

  /** Always {@code in-memory}. */
  @Override
  public String name() {
    return "in-memory";
  }

  /**
   * Decides which procs pass their uptests (all do until this is called).
   *
   * @param passes which procs pass
   */
  public synchronized void uptestsPass(Predicate<ProcData> passes) {
    this.uptestPasses = passes;
  }

  /**
   * Setups of these procs fail after making the proc directory, as the real runner's do when it
   * refuses a value (proc.yaml is uploaded first).
   *
   * @param fails which setups fail
   */
  public synchronized void setupsFail(Predicate<ProcData> fails) {
    this.setupFails = fails;
  }

  /**
   * A proc directory with no program, as a crashed dispatch leaves one.
   *
   * @param host the host's runner name
   * @param program the program name
   */
  public synchronized void leaveDir(String host, String program) {
    dirs.add(host + "/" + program);
  }

  /** {@code host/program} of every proc directory that exists. */
  public synchronized Set<String> procDirs() {
    return new TreeSet<>(dirs);
  }

  /** Makes the proc's directory on the host, then throws {@link io.velociraptor.core.VrException} if
   * {@link #setupsFail} chose this proc. */
  @Override
  public synchronized void setup(CommandRunner host, ProcData proc) {
    dirs.add(host.host() + "/" + proc.programName());
    if (setupFails.test(proc)) {
      throw new io.velociraptor.core.VrException("setup of " + proc.programName() + " on " + host.host()
          + " refused: run_as \"nosuchuser\" does not exist");
    }
  }

  /** The procs that have a directory on the host, foreign names left out, in name order. */
  @Override
  public synchronized List<ProcName> procDirs(CommandRunner host) {
    return dirs.stream().filter(d -> d.startsWith(host.host() + "/"))
        .map(d -> ProcName.parse(d.substring(host.host().length() + 1)))
        .filter(n -> n.kind() != ProcName.Kind.FOREIGN).sorted().toList();
  }

  /** The {@code vr-runner run} command line of the proc's {@code proc.yaml}, as the real runtime gives it. */
  @Override
  public List<String> runCommand(ProcData proc) {
    return List.of("/usr/local/bin/vr-runner", "run", "/apps/procs/" + proc.programName() + "/proc.yaml");
  }

  /** One uptest result: failed if the proc has no directory on the host, else passed or failed as
   * {@link #uptestsPass} decided. */
  @Override
  public synchronized List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
    if (!dirs.contains(host.host() + "/" + proc.programName())) {
      return List.of(UptestResult.of("setup", proc.programName() + " is not set up on " + host.host(), false, 0));
    }
    boolean ok = uptestPasses.test(proc);
    return List.of(UptestResult.of("web_ok", ok ? "ok" : "HTTP 500 from " + proc.host().orElse("?") + ":" + proc.port().orElse(0), ok, 1));
  }

  /** Removes the proc's directory from the host, if it has one. */
  @Override
  public synchronized void teardown(CommandRunner host, ProcName proc) {
    dirs.remove(host.host() + "/" + proc.format());
  }
}
