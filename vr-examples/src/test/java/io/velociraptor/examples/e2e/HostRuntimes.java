package io.velociraptor.examples.e2e;

import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dispatcher takes one {@link ContainerRuntime}; a real fleet installs the runner at the same
 * path on every host. Here three "hosts" share one machine, so each has its own runner root and
 * launcher, and this hands every call to the runtime of the host it is for: by the runner's host
 * name for setup, uptest and teardown, and by the proc's address for the Supervisor command.
 */
final class HostRuntimes implements ContainerRuntime {
  private final Map<String, ContainerRuntime> byRunnerName = new TreeMap<>();
  private final Map<String, ContainerRuntime> byAddress = new TreeMap<>();
  private final String name;

  HostRuntimes(String name) {
    this.name = name;
  }

  void add(String runnerName, String address, ContainerRuntime runtime) {
    byRunnerName.put(runnerName, runtime);
    byAddress.put(address, runtime);
  }

  private ContainerRuntime forRunner(CommandRunner host) {
    ContainerRuntime r = byRunnerName.get(host.host());
    if (r == null) {
      throw new IllegalStateException("no runtime for host " + host.host() + " (known: " + byRunnerName.keySet() + ")");
    }
    return r;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public java.util.List<io.velociraptor.core.model.ProcName> procDirs(CommandRunner host) {
    return forRunner(host).procDirs(host);
  }

  @Override
  public void setup(CommandRunner host, ProcData proc) {
    forRunner(host).setup(host, proc);
  }

  @Override
  public List<String> runCommand(ProcData proc) {
    String address = proc.host().orElseThrow(() -> new IllegalStateException("proc " + proc.programName() + " has no host"));
    ContainerRuntime r = byAddress.get(address);
    if (r == null) {
      throw new IllegalStateException("no runtime for address " + address + " (known: " + byAddress.keySet() + ")");
    }
    return r.runCommand(proc);
  }

  @Override
  public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
    return forRunner(host).uptest(host, proc, perTest);
  }

  @Override
  public void teardown(CommandRunner host, ProcName proc) {
    forRunner(host).teardown(host, proc);
  }
}
