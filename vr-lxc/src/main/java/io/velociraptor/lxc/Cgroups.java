package io.velociraptor.lxc;

import java.nio.file.Files;
import java.nio.file.Path;

/** Detects which cgroup hierarchy enforces memory limits on this host. */
final class Cgroups {
  private Cgroups() {}

  static LxcConfig.Cgroup detect(Path sysFsCgroup) {
    // v1 first: on hybrid hosts (like these machines) LXC applies lxc.cgroup.* and silently
    // ignores lxc.cgroup2.* for memory
    if (Files.exists(sysFsCgroup.resolve("memory/memory.limit_in_bytes"))) {
      return LxcConfig.Cgroup.V1;
    }
    Path controllers = sysFsCgroup.resolve("cgroup.controllers");
    if (Files.isRegularFile(controllers)
        && java.util.List.of(Files2.readSmallText(controllers, 4096).trim().split("\\s+")).contains("memory")) {
      return LxcConfig.Cgroup.V2;
    }
    return LxcConfig.Cgroup.NONE;
  }

  /** The directory a plain proc's own memory cgroup lives in. */
  static Path plainCgroupDir(Path sysFsCgroup, LxcConfig.Cgroup mode, String procName) {
    return mode == LxcConfig.Cgroup.V1
        ? sysFsCgroup.resolve("memory").resolve("vr." + procName)
        : sysFsCgroup.resolve("vr." + procName);
  }
}
