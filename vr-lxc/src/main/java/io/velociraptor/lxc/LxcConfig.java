package io.velociraptor.lxc;

import java.util.List;
import java.util.Optional;

/**
 * Everything an LXC 4/5 rcfile for one proc depends on; {@link #render()} is pure, so the
 * output is golden-file tested and all I/O stays in the runner.
 *
 * @param name container name (lxc.uts.name too)
 * @param rootfs the container root: a directory, or an image overlaid by a per-proc upper dir
 * @param hostBinds host directories bind-mounted read-only when there is no image
 * @param hostFiles host files bind-mounted read-only into an image (resolv.conf, hosts)
 * @param app the shared unpacked build overlaid at /app with a per-proc upper dir
 * @param vrDir host directory of start.sh, env.sh, settings.yaml, bound read-only at /vr
 * @param volumes volume binds
 * @param network host (shared with the host, as the original) or none (loopback only)
 * @param cgroup the cgroup version this host enforces memory limits with
 * @param memLimit bytes of memory
 * @param memswLimit bytes of memory plus swap
 * @param uid user the proc runs as
 * @param gid group the proc runs as
 * @param logFile where LXC writes its own errors
 */
record LxcConfig(String name, Rootfs rootfs, List<String> hostBinds, List<String> hostFiles,
    Overlay app, String vrDir, List<ProcYaml.VolumeSpec> volumes, Network network, Cgroup cgroup,
    Optional<Long> memLimit, Optional<Long> memswLimit, int uid, int gid, String logFile) {

  /** How procs reach the network. */
  enum Network { HOST, NONE }

  /** The cgroup hierarchy this host's memory controller lives in. */
  enum Cgroup { V1, V2, NONE }

  /** The container root: {@code lower} absent means a plain directory. */
  record Rootfs(Optional<String> lower, String dir) {}

  /** An overlay mount: read-only lower, per-proc upper and work dirs on one filesystem. */
  record Overlay(String lower, String upper, String work) {}

  static final List<String> DEVICES = List.of(
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
      "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm");

  String render() {
    StringBuilder b = new StringBuilder();
    line(b, "# written by the vr runner for proc " + name + "; LXC 4/5 keys");
    kv(b, "lxc.uts.name", name);
    kv(b, "lxc.rootfs.path", rootfs.lower()
        .map(lower -> "overlay:" + lower + ":" + rootfs.dir())
        .orElse("dir:" + rootfs.dir()));
    kv(b, "lxc.log.file", logFile);
    appendCommonKeys(b);
    line(b, "# network");
    kv(b, "lxc.net.0.type", network == Network.HOST ? "none" : "empty");
    line(b, "# filesystem");
    for (String dir : hostBinds) {
      mount(b, dir, rel(dir), "none", "bind,ro,create=dir");
    }
    for (String file : hostFiles) {
      mount(b, file, rel(file), "none", "bind,ro,create=file");
    }
    mount(b, "tmpfs", "tmp", "tmpfs", "mode=1777,nosuid,nodev,create=dir");
    mount(b, "overlay", "app", "overlay",
        "lowerdir=" + app.lower() + ",upperdir=" + app.upper() + ",workdir=" + app.work()
            + ",create=dir");
    mount(b, vrDir, "vr", "none", "bind,ro,create=dir");
    for (ProcYaml.VolumeSpec v : volumes) {
      mount(b, v.hostDir(), rel(v.containerDir()), "none",
          (v.readOnly() ? "bind,ro" : "bind") + ",create=dir");
    }
    line(b, "# devices and limits");
    String prefix = cgroup == Cgroup.V2 ? "lxc.cgroup2." : "lxc.cgroup.";
    if (cgroup != Cgroup.NONE) {
      kv(b, prefix + "devices.deny", "a");
      for (String d : DEVICES) {
        kv(b, prefix + "devices.allow", d);
      }
    }
    if (cgroup == Cgroup.V1) {
      memLimit.ifPresent(m -> kv(b, "lxc.cgroup.memory.limit_in_bytes", Long.toString(m)));
      memswLimit.ifPresent(m -> kv(b, "lxc.cgroup.memory.memsw.limit_in_bytes", Long.toString(m)));
    } else if (cgroup == Cgroup.V2) {
      memLimit.ifPresent(m -> kv(b, "lxc.cgroup2.memory.max", Long.toString(m)));
      memswLimit.ifPresent(m -> kv(b, "lxc.cgroup2.memory.swap.max",
          Long.toString(m - memLimit.orElse(0L))));
    } else if (memLimit.isPresent() || memswLimit.isPresent()) {
      throw RunnerException.failed("mem_limit",
          "this host has no memory cgroup controller, so mem_limit/memsw_limit cannot be enforced;"
              + " remove them from the release or enable the memory controller");
    }
    line(b, "# the proc");
    kv(b, "lxc.init.uid", Integer.toString(uid));
    kv(b, "lxc.init.gid", Integer.toString(gid));
    kv(b, "lxc.environment", "PATH=" + Scripts.DEFAULT_PATH);
    kv(b, "lxc.init.cmd", "/vr/init");
    kv(b, "lxc.execute.cmd", "/vr/init");
    return b.toString();
  }

  private static String rel(String absolute) {
    return absolute.substring(1);
  }

  private static void mount(StringBuilder b, String source, String target, String type, String opts) {
    kv(b, "lxc.mount.entry", source + " " + target + " " + type + " " + opts + " 0 0");
  }

  /**
   * The keys every vr container has, proc or one-shot: errors-only log, no console or ttys,
   * devices made by LXC, proc and a read-only sys, and the capabilities nothing here needs.
   */
  static void appendCommonKeys(StringBuilder b) {
    kv(b, "lxc.log.level", "ERROR");
    kv(b, "lxc.console.path", "none");
    kv(b, "lxc.tty.max", "0");
    kv(b, "lxc.pty.max", "16");
    kv(b, "lxc.apparmor.profile", "unconfined");
    kv(b, "lxc.autodev", "1");
    kv(b, "lxc.mount.auto", "proc:mixed sys:ro");
    kv(b, "lxc.cap.drop", "mac_admin mac_override sys_boot sys_module sys_rawio sys_time sys_tty_config");
  }

  static void kv(StringBuilder b, String key, String value) {
    for (char c : value.toCharArray()) {
      if (c == '\n' || c == '\r' || c == '\0') {
        throw RunnerException.badValue(key, value, "contains a line break; refusing to write it to an LXC config");
      }
    }
    b.append(key).append(" = ").append(value).append('\n');
  }

  private static void line(StringBuilder b, String comment) {
    b.append(comment).append('\n');
  }
}
