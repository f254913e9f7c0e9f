package io.velociraptor.lxc;

/**
 * The runner's entry point on a host: a small sh script that Supervisor's {@code command=} and
 * the runtimes call as {@code vr-runner setup|run|uptest|teardown|shell <proc.yaml>} or {@code
 * vr-runner serve} (the resident runner, {@link RunnerServe}). For
 * {@code run} of a set-up proc it execs the proc's run.sh directly (no JVM per running proc);
 * everything else goes to {@link RunnerMain}. Written by {@link RunnerInstall#install}.
 */
final class RunnerLauncher {
  private RunnerLauncher() {}

  /**
   * @param java the java executable on the host
   * @param classpath the runner's classpath on the host (vr-lxc and its dependencies)
   * @param config the runner settings baked into the script
   * @return the script text
   * @throws RunnerException if a path holds characters that cannot be quoted safely
   */
  static String script(String java, String classpath, RunnerConfig config) {
    String procs = config.root() + "/procs/";
    return "#!/bin/sh\n"
        + "# vr-runner: the vr runner on this host (written by vr; do not edit)\n"
        + "if [ \"$1\" = run ] && [ $# -eq 2 ]; then\n"
        + "  case \"$2\" in\n"
        + "    " + Shell.quote(procs) + "*/proc.yaml)\n"
        + "      d=${2%/proc.yaml}\n"
        + "      case \"${d#" + Shell.quote(procs) + "}\" in */*|.*) ;; *) [ -x \"$d/run.sh\" ] && exec \"$d/run.sh\" ;; esac ;;\n"
        + "  esac\n"
        + "fi\n"
        // serve is the one resident JVM (RunnerServe): full JIT; it answers setup, uptest and
        // teardown for as long as its caller keeps stdin open
        + "if [ \"$1\" = serve ] && [ $# -eq 1 ]; then\n"
        + "  exec " + Shell.quote(java) + " -XX:+UseSerialGC -cp " + Shell.quote(classpath)
        + " io.velociraptor.lxc.RunnerMain " + Shell.join(config.toArgs()) + " serve\n"
        + "fi\n"
        // short-lived JVMs: skip C2 and use the smallest collector, it starts measurably faster
        + "exec " + Shell.quote(java) + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp " + Shell.quote(classpath)
        + " io.velociraptor.lxc.RunnerMain " + Shell.join(config.toArgs()) + " \"$@\"\n";
  }
}
