package io.velociraptor.lxc;

import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link io.velociraptor.core.spi.ContainerRuntime} backed by LXC: each proc is a container
 * started by the vr runner on its host. The host needs the runner installed with
 * {@code --runtime lxc} ({@link RunnerInstall}), LXC 4/5 and root.
 *
 * <p>{@link #runOneShot one-shot commands} need only LXC, {@code sh}, coreutils and util-linux's
 * {@code setsid} on the host (not the runner): each runs in a throwaway
 * container under {@code <root>/oneshot/}, see {@link #runOneShot}.
 */
public final class LxcContainerRuntime extends RunnerContainerRuntime {
  /** Per host and user: how its system directories go into a one-shot container, the ids. */
  private final Map<String, OneShots.HostLayout> layouts = new ConcurrentHashMap<>();

  /** Made by {@link RunnerInstall#lxcRuntime}, with the install's launcher and root. */
  LxcContainerRuntime(RuntimeSettings s) {
    super(s);
  }

  /** The runtime's name: {@code lxc}. */
  @Override
  public String name() {
    return "lxc";
  }

  /**
   * Runs the command with {@code lxc-execute} in a throwaway container: an empty root under
   * {@code <root>/oneshot/<name>/} with the host's {@code /usr}, {@code /etc}, {@code /opt} (and
   * the other system directories) read-only, a private {@code /tmp} and PID namespace, only the
   * writable directories bound writable (at their own paths), loopback only unless the job asks
   * for the network, and the job's user. When the command exits, every other process of its
   * user in the container is killed; at the timeout {@code lxc-stop --kill} ends the container.
   * The directory is removed afterwards.
   *
   * <p>One host call: the rendered rcfile goes to a constant {@code sh} wrapper on its stdin,
   * every other value as a separate argument. The first call per host and user also looks at the
   * host's system directories and the user's ids, which this runtime then remembers.
   *
   * @throws RunnerException if a path holds characters outside {@code [A-Za-z0-9_./+-]} (it
   *     would go into the LXC config), a writable directory is {@code /}, the working directory
   *     is not inside the container, the user does not exist on the host, or the container
   *     directory cannot be made
   * @throws io.velociraptor.core.spi.PathRefusedException if the directory has to be removed by
   *     the runner (the wrapper did not end) and the runtime's root is not inside the runner's
   * @throws io.velociraptor.core.spi.HostConnectionException if the host cannot be reached
   */
  @Override
  public CommandResult runOneShot(CommandRunner host, OneShot job, LineListener output) {
    return OneShots.lxc(host, root(), layouts, job, output);
  }
}
