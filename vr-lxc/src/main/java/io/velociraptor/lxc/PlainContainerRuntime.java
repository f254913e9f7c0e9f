package io.velociraptor.lxc;

import java.time.Duration;

/**
 * {@link io.velociraptor.core.spi.ContainerRuntime} for hosts without LXC (development
 * machines, the demo): each proc is a plain process in its proc directory, started by the vr
 * runner installed with {@code --runtime plain}. It switches user and applies memory limits
 * when the runner is root, but offers <b>no isolation</b>: procs share the host's filesystem,
 * processes and network.
 */
public final class PlainContainerRuntime extends RunnerContainerRuntime {
  private PlainContainerRuntime(RuntimeSettings s) {
    super(s);
  }

  /**
   * @param launcher absolute path of the runner launcher on hosts
   * @param root the runner's root on hosts
   * @param setupTimeout how long setup and teardown may take
   * @return the runtime
   * @throws RunnerException if a path is not absolute and normalised or the timeout not positive
   */
  public static PlainContainerRuntime of(String launcher, String root, Duration setupTimeout) {
    return new PlainContainerRuntime(new RuntimeSettings(launcher, root, setupTimeout, 50));
  }

  @Override
  public String name() {
    return "plain";
  }
}
