package io.velociraptor.lxc;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders env.sh, start.sh and run.sh. Pure: text in, text out. */
final class Scripts {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private Scripts() {}

  /** One {@code export KEY='value'} line per variable, sorted by key, every value quoted. */
  static String envSh(Map<String, String> env) {
    StringBuilder b = new StringBuilder("# written by the vr runner: the release's env\n");
    env.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      ProcYaml.check("env key", e.getKey(), ProcYaml.ENV_KEY, "is not a valid environment variable name");
      b.append("export ").append(e.getKey()).append('=').append(Shell.quote(e.getValue())).append('\n');
    });
    return b.toString();
  }

  /**
   * The start script, run inside the container (or the proc directory, for the plain runtime):
   * {@code start.sh run} runs the proc's command; {@code start.sh exec ARGV...} runs ARGV in the
   * same environment (uptests, shell).
   */
  static String startSh(String appDir, String vrDir, int port, String command) {
    return "#!/bin/sh\n"
        + "# written by the vr runner: the proc's environment, then its command\n"
        + "export PATH=\"${PATH:-" + DEFAULT_PATH + "}\"\n"
        + "export TMPDIR=/tmp\n"
        + "export HOME=" + Shell.quote(appDir) + "\n"
        + "cd \"$HOME\" || exit 111\n"
        + "if [ -d \"$HOME/.profile.d\" ]; then\n"
        + "  for f in \"$HOME\"/.profile.d/*; do\n"
        + "    if [ -r \"$f\" ]; then . \"$f\"; fi\n"
        + "  done\n"
        + "fi\n"
        + ". " + Shell.quote(vrDir + "/env.sh") + "\n"
        + "export APP_SETTINGS_YAML=" + Shell.quote(vrDir + "/settings.yaml") + "\n"
        + "export PORT=" + port + "\n"
        + "case \"$1\" in\n"
        + "  run) exec /bin/sh -c " + Shell.quote(command) + " ;;\n"
        + "  exec) shift; exec \"$@\" ;;\n"
        + "  *) echo \"start.sh: unknown mode '$1' (expected run or exec)\" >&2; exit 2 ;;\n"
        + "esac\n";
  }

  /** The in-container init script lxc.init.cmd / lxc.execute.cmd point at. */
  static String initSh(String vrDir) {
    return "#!/bin/sh\nexec " + Shell.quote(vrDir + "/start.sh") + " run\n";
  }

  /** The LXC run script: the container in the foreground, so Supervisor supervises it. */
  static String lxcRunSh(String procName, String lxcPath, String rcFile) {
    return "#!/bin/sh\n"
        + "# written by the vr runner: Supervisor's command runs this for proc " + procName + "\n"
        + "exec env -i PATH=" + DEFAULT_PATH + " lxc-execute -n " + Shell.quote(procName)
        + " -P " + Shell.quote(lxcPath) + " -f " + Shell.quote(rcFile) + "\n";
  }

  /**
   * The plain run script: read-only volumes in a private mount namespace, optional memory
   * cgroup, clean env, user switch when root, then start.sh ({@code run} by default).
   *
   * @param cgroupDir the proc's own memory cgroup, when limits are enforced
   * @param ids uid and gid to switch to, when the runner is root
   * @param readOnly host directories to make read-only for the proc
   */
  static String plainRunSh(String procName, String startSh, Optional<String> cgroupDir,
      Optional<int[]> ids, List<String> readOnly) {
    StringBuilder b = new StringBuilder("#!/bin/sh\n")
        .append("# written by the vr runner: Supervisor's command runs this for proc ")
        .append(procName).append(" (plain runtime: no isolation)\n")
        .append("if [ $# -eq 0 ]; then set -- run; fi\n");
    if (!readOnly.isEmpty()) {
      b.append("if [ -z \"$VR_PRIVATE_MOUNTS\" ]; then\n")
          .append("  VR_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private -- /bin/sh \"$0\" \"$@\"\n")
          .append("fi\n");
      for (String d : readOnly) {
        String q = Shell.quote(d);
        b.append("mount --bind ").append(q).append(' ').append(q)
            .append(" && mount -o remount,bind,ro ").append(q).append(' ').append(q)
            .append(" || exit 111\n");
      }
    }
    cgroupDir.ifPresent(cg -> b.append("echo $$ > ").append(Shell.quote(cg + "/cgroup.procs"))
        .append(" || exit 111\n"));
    StringBuilder exec = new StringBuilder("env -i PATH=").append(DEFAULT_PATH).append(' ');
    ids.ifPresent(id -> exec.append("setpriv --reuid=").append(id[0]).append(" --regid=").append(id[1])
        .append(" --clear-groups -- "));
    exec.append("/bin/sh ").append(Shell.quote(startSh));
    // an interactive shell stays in the foreground, with the terminal
    b.append("if [ \"$1\" = shell ]; then exec ").append(exec).append(" exec /bin/sh; fi\n");
    // Anything else runs in its own session, so SIGTERM reaches every process the command started.
    // The trap is set before the child exists: a stop that comes while the child is being started
    // must not kill only this script and orphan the app. Until the child has called setsid() there
    // is no group to signal, hence the child's pid as well as its group. Until then the child may
    // still be this shell's fork, which takes a TERM with the inherited trap and loses it (about
    // 1 stop in 50 a few ms into the start, and the app then ran with the wrapper waiting on it):
    // so the pid gets TERM again until it is gone or has its own group, which gets TERM once.
    b.append("child= stop=\n")
        .append("stop_child() {\n")
        .append("  while ! kill -0 -$child 2>/dev/null && kill -TERM $child 2>/dev/null; do sleep 0.01; done\n")
        .append("  kill -TERM -$child 2>/dev/null\n")
        .append("}\n")
        .append("trap 'stop=1; [ -z \"$child\" ] || stop_child' TERM INT HUP\n")
        .append("setsid -w ").append(exec).append(" \"$@\" &\n")
        .append("child=$!\n")
        .append("[ -z \"$stop\" ] || stop_child\n")
        .append("status=0\n")
        .append("wait $child || status=$?\n")
        .append("while kill -0 $child 2>/dev/null; do wait $child; status=$?; done\n")
        // The session leader is often only `sh -c` (dash does not exec a -c command): the app it
        // started may still be shutting down, holding its port. The proc is stopped only when
        // every process of its session has exited: what is left gets SIGTERM, and SIGKILL after
        // 8 s, inside the 10 s stopwaitsecs vr gives Supervisor (whose SIGKILL reaches only this
        // script's group, not the session). Zombies do not count (pid 1 may be slow to reap
        // orphans); without pgrep it does not wait.
        .append("alive() { pgrep -g $child -r R,S,D,T,t,W,P,I >/dev/null 2>&1; }\n")
        .append("if alive; then\n")
        .append("  kill -TERM -$child 2>/dev/null\n")
        .append("  deadline=$(($(date +%s) + 8))\n")
        .append("  while alive; do\n")
        .append("    if [ \"$(date +%s)\" -ge $deadline ]; then kill -KILL -$child 2>/dev/null; fi\n")
        .append("    sleep 0.05\n")
        .append("  done\n")
        .append("fi\n")
        .append("exit $status\n");
    return b.toString();
  }
}
