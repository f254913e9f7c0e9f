package io.velociraptor.lxc;

import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;

/**
 * {@link io.velociraptor.core.spi.ContainerRuntime} for hosts without LXC (development
 * machines, the demo): each proc is a plain process in its proc directory, started by the vr
 * runner installed with {@code --runtime plain}. It switches user and applies memory limits
 * when the runner is root, but offers <b>no isolation</b>: procs share the host's filesystem,
 * processes and network.
 */
public final class PlainContainerRuntime extends RunnerContainerRuntime {
  /** Made by {@link RunnerInstall#plainRuntime}, with the install's launcher and root. */
  PlainContainerRuntime(RuntimeSettings s) {
    super(s);
  }

  /** The runtime's name: {@code plain}. */
  @Override
  public String name() {
    return "plain";
  }

  /**
   * Runs the command on the host in a session of its own: as the job's user ({@code setpriv
   * --reuid --regid --init-groups}), with exactly the job's environment ({@code env -i}), and,
   * unless the job asks for the network, in an empty network namespace ({@code unshare --net}).
   * With a user or without network (which need a root runner anyway) it also gets its own PID
   * namespace ({@code unshare --pid --fork --kill-child}), so when it exits or times out the
   * kernel kills everything it started, even processes that called {@code setsid}; otherwise
   * (no user, network on) its process group is killed, which a process can leave. One host
   * call.
   *
   * <p>No isolation beyond that: the command sees the host's whole filesystem and may write
   * wherever its user may ({@link OneShot#writableDirs()} is not enforced). Use {@link
   * LxcContainerRuntime} for untrusted code.
   *
   * @throws RunnerException if the user does not exist on the host
   * @throws io.velociraptor.core.spi.HostConnectionException if the host cannot be reached
   */
  @Override
  public CommandResult runOneShot(CommandRunner host, OneShot job, LineListener output) {
    return OneShots.plain(host, job, output);
  }
}
