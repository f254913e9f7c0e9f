package io.velociraptor.buildpack;

import io.velociraptor.core.VrException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each buildpack script in its own throwaway LXC container ({@code lxc-execute}, which
 * returns the script's exit code): an empty root with the host's {@code /usr}, {@code /etc} and
 * {@code /opt} bound read-only, a private {@code /tmp}, its own PID namespace, no network unless
 * asked, and only this build's directories writable, at the same paths as on the host. The
 * script runs as the unprivileged build user. A script that runs out of time is stopped with
 * {@code lxc-stop --kill}, which ends everything in its container.
 *
 * <p>vr-core's {@code ContainerRuntime} runs procs under Supervisor and has no one-shot command
 * entry point, hence this small runner of its own.
 */
final class LxcScriptSandbox implements ScriptSandbox {
  private static final Logger LOG = LoggerFactory.getLogger(LxcScriptSandbox.class);
  private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9_./+-]*");

  private final HostUserSandbox owner;
  private final String user;
  private final int uid;
  private final int gid;
  private final boolean hostNetwork;
  private final Path containersDir;

  LxcScriptSandbox(String user, boolean hostNetwork, Path containersDir) {
    HostUserSandbox.requireRoot(user);
    int[] ids = HostUserSandbox.lookup(user);
    this.owner = HostUserSandbox.owning(user);
    this.user = user;
    this.uid = ids[0];
    this.gid = ids[1];
    this.hostNetwork = hostNetwork;
    this.containersDir = containersDir;
  }

  @Override
  public String describe() {
    return "LXC containers (user " + user + ", uid " + uid + ", network "
        + (hostNetwork ? "of the host" : "none") + ")";
  }

  @Override
  public String stack() {
    return "vr-lxc";
  }

  @Override
  public void checkReachable(Path workDir) {
    requireSafe(workDir);
  }

  @Override
  public void handOver(Path tree) throws IOException {
    owner.handOver(tree);
  }

  @Override
  public LocalExec.Result run(List<String> argv, Map<String, String> env, Path workDir,
      List<Path> writable, Duration timeout, boolean captureStdout, Consumer<String> log)
      throws IOException {
    String name = "vrb-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    Path dir = containersDir.resolve(name);
    Path rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs);
    Files.createDirectories(dir.resolve("lxcpath"));
    // Debian's merged /usr: these are symlinks into the bound /usr
    for (String l : List.of("bin", "lib", "lib32", "lib64", "sbin")) {
      if (Files.isSymbolicLink(Path.of("/" + l))) {
        Files.createSymbolicLink(rootfs.resolve(l), Files.readSymbolicLink(Path.of("/" + l)));
      }
    }
    Path config = dir.resolve("config");
    Files.writeString(config, render(name, rootfs, dir.resolve("lxc.log"), workDir, writable),
        StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>(List.of("lxc-execute", "--name", name, "--lxcpath",
        dir.resolve("lxcpath").toString(), "--rcfile", config.toString(), "--", "/usr/bin/env",
        "-i", "--"));
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    // the script path lies under the checked work dir, so it holds no '=' env would misread
    requireSafe(Path.of(argv.get(0)));
    cmd.addAll(argv);
    try {
      LocalExec.Result r = LocalExec.run(cmd, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
          workDir, Optional.empty(), timeout, captureStdout, log, () -> stop(name, dir));
      if (r.exitCode() != 0 && !r.timedOut()) {
        Path lxcLog = dir.resolve("lxc.log");
        if (Files.exists(lxcLog) && Files.size(lxcLog) > 0) {
          for (String line : Files.readAllLines(lxcLog, StandardCharsets.UTF_8)) {
            log.accept("lxc: " + line);
          }
        }
      }
      return r;
    } finally {
      BuildFiles.deleteTree(dir);
    }
  }

  private String render(String name, Path rootfs, Path logFile, Path workDir,
      List<Path> writable) {
    List<String> l = new ArrayList<>();
    l.add("# a throwaway container for one buildpack script, written by vr-buildpack");
    l.add("lxc.uts.name = " + name);
    l.add("lxc.rootfs.path = dir:" + requireSafe(rootfs));
    l.add("lxc.log.file = " + requireSafe(logFile));
    l.add("lxc.log.level = ERROR");
    l.add("lxc.console.path = none");
    l.add("lxc.tty.max = 0");
    l.add("lxc.pty.max = 16");
    l.add("lxc.apparmor.profile = unconfined");
    l.add("lxc.autodev = 1");
    l.add("lxc.mount.auto = proc:mixed sys:ro");
    l.add("lxc.cap.drop = mac_admin mac_override sys_boot sys_module sys_rawio sys_time"
        + " sys_tty_config");
    l.add("lxc.net.0.type = " + (hostNetwork ? "none" : "empty"));
    for (String ro : List.of("/etc", "/usr", "/opt")) {
      if (Files.isDirectory(Path.of(ro))) {
        l.add("lxc.mount.entry = " + ro + " " + ro.substring(1) + " none bind,ro,create=dir 0 0");
      }
    }
    l.add("lxc.mount.entry = tmpfs tmp tmpfs mode=1777,nosuid,nodev,create=dir 0 0");
    for (Path w : writable) {
      String p = requireSafe(w);
      l.add("lxc.mount.entry = " + p + " " + p.substring(1) + " none bind,create=dir 0 0");
    }
    l.add("lxc.init.uid = " + uid);
    l.add("lxc.init.gid = " + gid);
    l.add("lxc.init.cwd = " + requireSafe(workDir));
    return String.join("\n", l) + "\n";
  }

  private static String requireSafe(Path p) {
    String s = p.toAbsolutePath().normalize().toString();
    if (!SAFE_PATH.matcher(s).matches()) {
      throw new VrException("LXC build isolation needs the builder home on a path of plain"
          + " characters ([A-Za-z0-9_./+-]), got '" + s + "'");
    }
    return s;
  }

  private static void stop(String name, Path dir) {
    try {
      Process p = new ProcessBuilder("lxc-stop", "--name", name, "--lxcpath",
          dir.resolve("lxcpath").toString(), "--kill").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        LOG.warn("lxc-stop of build container {} did not finish in 30 s", name);
      }
    } catch (IOException e) {
      LOG.warn("could not stop build container {}: {}", name, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
