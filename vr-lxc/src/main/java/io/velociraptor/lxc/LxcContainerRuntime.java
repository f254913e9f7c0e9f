package io.velociraptor.lxc;

import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import java.time.Duration;

/**
 * {@link io.velociraptor.core.spi.ContainerRuntime} backed by LXC: each proc is a container
 * started by the vr runner on its host. The host needs the runner installed with
 * {@code --runtime lxc} ({@link RunnerLauncher}), LXC 4/5 and root.
 *
 * <p>{@link #runOneShot one-shot commands} need only LXC, {@code sh}, coreutils and util-linux's
 * {@code setsid} on the host (not the runner): each runs in a throwaway
 * container under {@code <root>/oneshot/}, see {@link #runOneShot}.
 */
public final class LxcContainerRuntime extends RunnerContainerRuntime {
  private LxcContainerRuntime(RuntimeSettings s) {
    super(s);
  }

  /**
   * @param launcher absolute path of the runner launcher on hosts, e.g. /usr/local/bin/vr-runner
   * @param root the runner's root on hosts, e.g. /apps
   * @param setupTimeout how long setup (download, unpack) and teardown may take
   * @return the runtime
   * @throws RunnerException if a path is not absolute and normalised or the timeout not positive
   */
  public static LxcContainerRuntime of(String launcher, String root, Duration setupTimeout) {
    return new LxcContainerRuntime(new RuntimeSettings(launcher, root, setupTimeout, 50));
  }

  @Override
  public String name() {
    return "lxc";
  }

  /**
   * Runs the command with {@code lxc-execute} in a throwaway container: an empty root under
   * {@code <root>/oneshot/<name>/} with the host's {@code /usr}, {@code /etc}, {@code /opt} (and
   * the other system directories) read-only, a private {@code /tmp} and PID namespace, only the
   * writable directories bound writable (at their own paths), loopback only unless the job asks
   * for the network, and the job's user. At the timeout {@code lxc-stop --kill} ends the
   * container, and with it everything the command started. Costs four host calls: prepare,
   * upload of the rcfile, run, remove.
   *
   * @throws RunnerException if a path holds characters outside {@code [A-Za-z0-9_./+-]} (it
   *     would go into the LXC config), a writable directory is {@code /}, the working directory
   *     is not inside the container, the user does not exist on the host, or the container
   *     directory cannot be made
   * @throws io.velociraptor.core.spi.PathRefusedException if the runtime's root is not inside
   *     the command runner's root, so the container directory cannot be removed
   * @throws io.velociraptor.core.spi.HostConnectionException if the host cannot be reached
   */
  @Override
  public CommandResult runOneShot(CommandRunner host, OneShot job, LineListener output) {
    return OneShots.lxc(host, root(), job, output);
  }
}
