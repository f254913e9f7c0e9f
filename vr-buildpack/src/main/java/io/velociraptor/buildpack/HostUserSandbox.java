package io.velociraptor.buildpack;

import io.velociraptor.core.VrException;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.local.LocalExec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs buildpack scripts on the host. As root it switches to a dedicated unprivileged user (no
 * supplementary groups) and gives that user the trees the scripts may write; each script runs in a
 * PID namespace of its own where the kernel allows ({@code unshare}), else in a session of its own
 * ({@code setsid} and {@code setpriv}). Otherwise (or when asked to) it runs them as the JVM's own
 * user, each in a session of its own.
 */
final class HostUserSandbox implements ScriptSandbox {
  private static final Logger LOG = LoggerFactory.getLogger(HostUserSandbox.class);
  /** User and group names that cannot be mistaken for numbers (or options). */
  static final String NAME = LocalExec.USER_NAME;

  private final Optional<LocalExec.RunAs> runAs;
  private final Optional<UserPrincipal> user;
  private final Optional<GroupPrincipal> group;

  private HostUserSandbox(Optional<LocalExec.RunAs> runAs, Optional<UserPrincipal> user,
      Optional<GroupPrincipal> group) {
    this.runAs = runAs;
    this.user = user;
    this.group = group;
  }

  static HostUserSandbox currentUser() {
    return new HostUserSandbox(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * @param name an existing unprivileged user
   * @throws VrException if the user does not exist, is root, or the JVM cannot switch users
   */
  static HostUserSandbox dedicatedUser(String name) {
    requireProtectedHardlinks();
    HostUserSandbox s = owning(name);
    LocalExec.RunAs u = s.runAs.orElseThrow().withPidNamespace(true);
    boolean ns = pidNamespacesWork(u);
    if (!ns) {
      LOG.info("PID namespaces are not available here (unshare --pid failed); buildpack scripts"
          + " run in sessions of their own instead, and what they leave is looked for in /proc");
    }
    return new HostUserSandbox(Optional.of(u.withPidNamespace(ns)), s.user, s.group);
  }

  /** Runs {@code true} the way scripts would run, once: unshare --pid needs CAP_SYS_ADMIN. */
  private static boolean pidNamespacesWork(LocalExec.RunAs u) {
    try {
      Process p = new ProcessBuilder(u.command(List.of("/bin/true"))).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VrException("interrupted while checking for PID namespaces", e);
    }
  }

  /** Only hands trees over to the user (for a container sandbox, which runs the scripts). */
  static HostUserSandbox owning(String name) {
    requireRoot(name);
    int[] ids = lookup(name);
    if (ids[0] == 0 || ids[1] == 0) {
      throw new VrException("build user '" + name + "' has uid or gid 0; buildpacks are untrusted"
          + " code and must run as an unprivileged user");
    }
    try {
      UserPrincipalLookupService ups = Path.of("/").getFileSystem().getUserPrincipalLookupService();
      return new HostUserSandbox(Optional.of(new LocalExec.RunAs(name, ids[0], ids[1],
          groupName(ids[1]), false)),
          Optional.of(ups.lookupPrincipalByName(name)),
          Optional.of(ups.lookupPrincipalByGroupName(Integer.toString(ids[1]))));
    } catch (IOException e) {
      throw new VrException("cannot look up build user '" + name + "': " + e.getMessage(), e);
    }
  }

  static void requireRoot(String name) {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new VrException("running buildpack scripts as user '" + name + "' needs a JVM"
          + " running as root (it runs as '" + System.getProperty("user.name") + "'); run as root"
          + " or choose runScriptsAsCurrentUser()");
    }
  }

  /**
   * The builder reads the build dir as root; without this kernel setting a build user could
   * hard-link a host file it cannot read (say /etc/shadow) into it and have it packed.
   */
  static void requireProtectedHardlinks() {
    Path setting = Path.of("/proc/sys/fs/protected_hardlinks");
    try {
      if (Files.exists(setting) && !Files.readString(setting).strip().equals("1")) {
        throw new VrException("fs.protected_hardlinks is off: a build user could hard-link host"
            + " files it cannot read into its build; 'sysctl fs.protected_hardlinks=1'");
      }
    } catch (IOException e) {
      throw new VrException("cannot read " + setting + ": " + e.getMessage(), e);
    }
  }

  /** @return uid and gid of an unprivileged user */
  static int[] lookup(String name) {
    if (!name.matches(NAME)) {
      throw new VrException("build user name '" + name + "' is not a valid user name");
    }
    String line = getent("passwd", name).orElseThrow(() -> new VrException("build user '"
        + name + "' does not exist; create it with 'useradd --system --no-create-home --shell"
        + " /usr/sbin/nologin " + name + "'"));
    String[] f = line.split(":");
    return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
  }

  /**
   * The name of a group, for setpriv: given a number, setpriv first looks it up as a name, which
   * misses /etc/group and loads every other NSS module (about 0.4 ms per script here).
   *
   * @return the group's name if it has a plain one, else the number
   */
  static String groupName(int gid) {
    return getent("group", Integer.toString(gid)).map(l -> l.split(":")[0])
        .filter(n -> n.matches(NAME)).orElse(Integer.toString(gid));
  }

  /** @return the first line {@code getent db key} prints, if it finds the key */
  private static Optional<String> getent(String db, String key) {
    try {
      Process p = new ProcessBuilder("getent", db, key).redirectErrorStream(true).start();
      // wait first (getent may ask a directory server); one line fits the pipe buffer
      boolean done = p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
        throw new VrException("looking up " + db + " entry '" + key + "' with getent took over"
            + " 10 s");
      }
      String out = new String(p.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 && !out.isEmpty()
          ? Optional.of(out.lines().findFirst().orElseThrow()) : Optional.empty();
    } catch (IOException e) {
      throw new VrException("cannot look up " + db + " entry '" + key + "' with getent: "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VrException("interrupted while looking up " + db + " entry '" + key + "'", e);
    }
  }

  @Override
  public String describe() {
    return runAs.map(u -> "host user " + u.name() + " (uid " + u.uid() + ")"
            + (u.pidNamespace() ? " in a PID namespace per script" : ""))
        .orElse("the JVM's own user (no isolation)");
  }

  @Override
  public String stack() {
    return "vr-host";
  }

  @Override
  public void checkReachable(Path workDir) throws IOException {
    if (runAs.isEmpty()) {
      return;
    }
    for (Path p = workDir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
          .contains(PosixFilePermission.OTHERS_EXECUTE) && !Files.isSymbolicLink(p)) {
        throw new VrException("build user " + runAs.get().name() + " cannot reach " + workDir
            + ": " + p + " is not searchable by others; 'chmod o+x " + p
            + "' or put the builder home elsewhere");
      }
    }
  }

  @Override
  public void handOver(Path tree) throws IOException {
    if (user.isPresent()) {
      FileTrees.chownTree(tree, user.get(), group.get());
    }
  }

  @Override
  public LocalExec.Result run(List<String> argv, Map<String, String> env, Path workDir,
      List<Path> writable, Duration timeout, boolean captureStdout, Consumer<String> log)
      throws IOException {
    return LocalExec.run(argv, env, workDir, runAs, timeout, captureStdout, log);
  }
}
