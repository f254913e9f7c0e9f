package io.velociraptor.lxc;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rcfile of a throwaway container for one one-shot command ({@code lxc-execute}): an empty
 * root with the host's system directories bound read-only (or mirrored as symlinks where the
 * host has merged {@code /usr}), a private {@code /tmp}, its own PID namespace, no network unless
 * asked, and only the listed host directories writable, each at its own path. {@link #render()}
 * is pure and golden-file tested; every path is checked against {@link #PLAIN_PATH} first, so
 * nothing a caller supplies can add a config line or a mount option.
 *
 * @param name container name (lxc.uts.name too)
 * @param rootfs the (empty) root directory on the host
 * @param logFile where LXC writes its own errors
 * @param readOnlyBinds host directories bound read-only at the same path, in order
 * @param writableBinds host directories bound writable at the same path, in order
 * @param network HOST shares the host's network; NONE leaves a loopback device only
 * @param ids uid and gid the command runs as; empty runs it as the container's root
 * @param workingDir where the command starts
 */
record OneShotConfig(String name, String rootfs, String logFile, List<String> readOnlyBinds,
    List<String> writableBinds, LxcConfig.Network network, Optional<Ids> ids,
    String workingDir) {

  /** The numeric user and group the command runs as. */
  record Ids(int uid, int gid) {}

  /** The characters a path may hold to be written into an LXC config or mount entry. */
  static final Pattern PLAIN_PATH = Pattern.compile("/[A-Za-z0-9_./+-]*");

  OneShotConfig {
    plain("container root", rootfs);
    plain("LXC log file", logFile);
    readOnlyBinds.forEach(p -> plain("read-only host directory", p));
    writableBinds.forEach(p -> {
      if (plain("writable directory", p).equals("/")) {
        throw RunnerException.badValue("writable directory", p,
            "would give the command the whole host; list the directories it may write");
      }
    });
    plain("working directory", workingDir);
    ProcYaml.check("container name", name, Pattern.compile("[A-Za-z0-9_.-]{1,64}"),
        "is not a valid container name");
  }

  /**
   * @throws RunnerException if the path holds anything but {@code [A-Za-z0-9_./+-]} or a
   *     {@code .}/{@code ..} segment
   */
  static String plain(String what, String path) {
    if (!PLAIN_PATH.matcher(path).matches() || ("/" + path + "/").contains("/../")
        || ("/" + path + "/").contains("/./") || path.contains("//")) {
      throw RunnerException.badValue(what, path, "is not a plain absolute path of"
          + " [A-Za-z0-9_./+-]; an LXC container cannot bind it safely, so it is refused");
    }
    return path;
  }

  String render() {
    StringBuilder b = new StringBuilder();
    b.append("# a throwaway container for one command, written by vr; LXC 4/5 keys\n");
    kv(b, "lxc.uts.name", name);
    kv(b, "lxc.rootfs.path", "dir:" + rootfs);
    kv(b, "lxc.log.file", logFile);
    LxcConfig.appendCommonKeys(b);
    kv(b, "lxc.net.0.type", network == LxcConfig.Network.HOST ? "none" : "empty");
    for (String dir : readOnlyBinds) {
      kv(b, "lxc.mount.entry", dir + " " + dir.substring(1) + " none bind,ro,create=dir 0 0");
    }
    kv(b, "lxc.mount.entry", "tmpfs tmp tmpfs mode=1777,nosuid,nodev,create=dir 0 0");
    for (String dir : writableBinds) {
      kv(b, "lxc.mount.entry", dir + " " + dir.substring(1) + " none bind,create=dir 0 0");
    }
    ids.ifPresent(i -> {
      kv(b, "lxc.init.uid", Integer.toString(i.uid()));
      kv(b, "lxc.init.gid", Integer.toString(i.gid()));
    });
    kv(b, "lxc.init.cwd", workingDir);
    return b.toString();
  }

  private static void kv(StringBuilder b, String key, String value) {
    LxcConfig.kv(b, key, value);
  }
}
