package io.velociraptor.buildpack;

import io.velociraptor.core.local.LocalExec;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs each buildpack script as a one-shot command of a {@link ContainerRuntime} (for LXC: a
 * throwaway container with only this build's directories writable and no network unless asked)
 * on the host of a {@link CommandRunner}, which must also hold the build's work directory and
 * caches: normally this machine, through a local runner.
 */
final class RuntimeScriptSandbox implements ScriptSandbox {
  private final ContainerRuntime runtime;
  private final CommandRunner host;
  private final Optional<String> user;
  private final boolean network;
  private final HostUserSandbox owner;

  /**
   * @param user the build user scripts run as; empty runs them as the runner's own user
   * @param owner hands the trees scripts write to that user
   */
  RuntimeScriptSandbox(ContainerRuntime runtime, CommandRunner host, Optional<String> user,
      boolean network, HostUserSandbox owner) {
    this.runtime = runtime;
    this.host = host;
    this.user = user;
    this.network = network;
    this.owner = owner;
  }

  @Override
  public String describe() {
    return "one-shot commands of the " + runtime.name() + " runtime on " + host.host() + " (user "
        + user.orElse("of the runner") + ", network " + (network ? "of the host" : "none") + ")";
  }

  @Override
  public String stack() {
    return "vr-" + runtime.name();
  }

  @Override
  public void checkReachable(Path workDir) {
    // the runtime checks the paths it is given and refuses, naming them, what it cannot bind
  }

  @Override
  public void handOver(Path tree) throws IOException {
    owner.handOver(tree);
  }

  @Override
  public LocalExec.Result run(List<String> argv, Map<String, String> env, Path workDir,
      List<Path> writable, Duration timeout, boolean captureStdout, Consumer<String> log) {
    OneShot.Builder job = OneShot.builder().argv(argv).env(env)
        .workingDir(workDir.toAbsolutePath().normalize().toString())
        .writableDirs(writable.stream().map(p -> p.toAbsolutePath().normalize().toString())
            .toList())
        .network(network).timeout(timeout);
    user.ifPresent(job::user);
    CommandResult r = runtime.runOneShot(host, job.build(), (channel, line) -> {
      if (!captureStdout || channel == LineListener.Channel.STDERR) {
        log.accept(line);
      }
    });
    return new LocalExec.Result(r.timedOut() ? -1 : r.exitCode(),
        captureStdout ? r.stdout() : "", r.timedOut());
  }
}
