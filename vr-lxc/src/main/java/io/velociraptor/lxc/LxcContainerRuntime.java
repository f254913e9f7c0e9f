package io.velociraptor.lxc;

import java.time.Duration;

/**
 * {@link io.velociraptor.core.spi.ContainerRuntime} backed by LXC: each proc is a container
 * started by the vr runner on its host. The host needs the runner installed with
 * {@code --runtime lxc} ({@link RunnerLauncher}), LXC 4/5 and root.
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
}
