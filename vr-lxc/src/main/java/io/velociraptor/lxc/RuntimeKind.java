package io.velociraptor.lxc;

/** How the runner contains a proc. */
public enum RuntimeKind {
  /** An LXC container per proc: own root, mounts, user, memory cgroup. */
  LXC,
  /**
   * A plain process in the proc directory, for development machines and the demo. It switches
   * user and applies memory limits when run as root, but offers no isolation.
   */
  PLAIN
}
