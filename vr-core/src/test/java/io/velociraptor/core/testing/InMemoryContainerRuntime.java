package io.velociraptor.core.testing;

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

  @Override
  public String name() {
    return "in-memory";
  }

  /** @param passes which procs pass their uptests */
  public synchronized void uptestsPass(Predicate<ProcData> passes) {
    this.uptestPasses = passes;
  }

  /** @return {@code host/program} of every proc directory that exists */
  public synchronized Set<String> procDirs() {
    return new TreeSet<>(dirs);
  }

  @Override
  public synchronized void setup(CommandRunner host, ProcData proc) {
    dirs.add(host.host() + "/" + proc.programName());
  }

  @Override
  public List<String> runCommand(ProcData proc) {
    return List.of("/usr/local/bin/vr-runner", "run", "/apps/procs/" + proc.programName() + "/proc.yaml");
  }

  @Override
  public synchronized List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
    if (!dirs.contains(host.host() + "/" + proc.programName())) {
      return List.of(UptestResult.of("setup", proc.programName() + " is not set up on " + host.host(), false, 0));
    }
    boolean ok = uptestPasses.test(proc);
    return List.of(UptestResult.of("web_ok", ok ? "ok" : "HTTP 500 from " + proc.host().orElse("?") + ":" + proc.port().orElse(0), ok, 1));
  }

  @Override
  public synchronized void teardown(CommandRunner host, ProcName proc) {
    dirs.remove(host.host() + "/" + proc.format());
  }
}
