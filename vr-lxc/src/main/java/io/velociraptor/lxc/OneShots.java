package io.velociraptor.lxc;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-shot commands for both runtimes, driven straight through the {@link CommandRunner} (no vr
 * runner JVM per call). The host-side wrappers are constant {@code sh} scripts: every value
 * (paths, user, argv, env) reaches them as a positional argument, never spliced into the text.
 *
 * <p>Each wrapper enforces the time limit on the host itself, with a watchdog in a session of
 * its own, so a command is stopped even when the connection to the controller is gone. When it
 * fires, the wrapper prints a per-call marker line on stderr after everything else; the marker is
 * taken out of the output and turned into {@link CommandResult#timedOut()}. The runner's own
 * timeout is only a backstop, some seconds later.
 */
final class OneShots {
  private static final Logger LOG = LoggerFactory.getLogger(OneShots.class);

  /** How much longer than the command's timeout the runner waits for the wrapper. */
  static final Duration BACKSTOP = Duration.ofSeconds(30);
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final int NO_SUCH_USER = 3;

  /** Host directories a container sees: mirrored as symlinks or bound read-only. */
  static final List<String> HOST_DIRS =
      List.of("/bin", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/sbin", "/usr");

  // a signal (the watchdog's USR1) interrupts wait: wait again while the command lives. Then the
  // watchdog goes: first its shell (so it cannot fire; it may not have called setsid yet), then
  // its process group, which holds its sleep once it has one
  private static final String WAIT_AND_STOP_WATCHDOG = String.join("\n",
      "while :; do",
      "  wait \"$c\"; rc=$?",
      "  if [ \"$rc\" -gt 128 ] && kill -0 \"$c\" 2>/dev/null; then continue; fi",
      "  break",
      "done",
      "kill -s KILL \"$w\" 2>/dev/null",
      "kill -s KILL -- \"-$w\" 2>/dev/null");

  /**
   * Reports how the host's system directories go into a container (a symlink is copied, a
   * directory bound read-only) and the user's ids. Args: user (may be empty).
   */
  static final String LXC_PROBE = String.join("\n",
      "u=$1",
      "for x in " + String.join(" ", HOST_DIRS) + "; do",
      "  if [ -L \"$x\" ]; then echo \"link $x\"; elif [ -d \"$x\" ]; then echo \"bind $x\"; fi",
      "done",
      "if [ -n \"$u\" ]; then",
      "  i=$(id -u -- \"$u\") && g=$(id -g -- \"$u\") || exit " + NO_SUCH_USER,
      "  echo \"ids $i $g\"",
      "fi",
      "");

  /**
   * Makes the container directory (rcfile from stdin, an empty rootfs with copies of the host's
   * merged-/usr symlinks), runs lxc-execute with a watchdog that at the deadline stops the
   * container with {@code lxc-stop --kill} (again and again while it is still starting), then
   * removes the directory. Args: seconds, marker, directory, name, the symlinks (words from
   * {@link #HOST_DIRS} only), then the command.
   */
  static final String LXC_RUN = String.join("\n",
      "t=$1 m=$2 d=$3 n=$4 k=$5",
      "shift 5",
      "{ [ -d \"${d%/*}\" ] || mkdir -p -- \"${d%/*}\"; } && mkdir -m 0755 -- \"$d\" \"$d/rootfs\" \"$d/lxcpath\""
          + " && cat >\"$d/config\" && { [ -z \"$k\" ] || cp -P -- $k \"$d/rootfs/\"; }"
          + " || { echo \"$m:setup-failed\" >&2; rm -rf --one-file-system -- \"$d\"; exit 1; }",
      "to=0",
      "trap 'to=1' USR1",
      "lxc-execute -n \"$n\" -P \"$d/lxcpath\" -f \"$d/config\" -- \"$@\" </dev/null &",
      "c=$!",
      "setsid sh -c 'sleep \"$1\"; kill -USR1 \"$2\"; while kill -0 \"$3\"; do"
          + " lxc-stop -n \"$4\" -P \"$5\" --kill || sleep 0.05; done'"
          + " vr-watchdog \"$t\" \"$$\" \"$c\" \"$n\" \"$d/lxcpath\" </dev/null >/dev/null 2>&1 &",
      "w=$!",
      WAIT_AND_STOP_WATCHDOG,
      "if [ \"$to\" = 1 ]; then echo \"$m\" >&2",
      "elif [ \"$rc\" != 0 ] && [ -s \"$d/lxc.log\" ]; then sed 's/^/lxc: /' \"$d/lxc.log\" >&2; fi",
      "rm -rf --one-file-system -- \"$d\"",
      "exit \"$rc\"",
      "");

  /**
   * Runs inside the container, as the job's user: the command, then SIGKILL to every other
   * process the user has there, so that a background child cannot keep the container (and
   * lxc-execute) alive after the command ended. Args: the command.
   */
  static final String IN_CONTAINER = "\"$@\"; rc=$?; kill -KILL -1 2>/dev/null; exit \"$rc\"";

  /**
   * Runs the command in a session of its own, as the user, without network when asked. With a
   * user or without network (both need root anyway) it also gets a PID namespace of its own
   * ({@code unshare --pid --fork --kill-child}): when the command exits, or its unshare is
   * killed, the kernel kills every process left in it, even ones that left the session. A
   * watchdog kills the session's process group at the deadline. Args: seconds, marker, working
   * dir, user (may be empty), network on/off, then the command.
   */
  static final String PLAIN_RUN = String.join("\n",
      "t=$1 m=$2 d=$3 u=$4 net=$5",
      "shift 5",
      "cd -- \"$d\" 2>/dev/null || { printf 'vr: cannot use working directory %s\\n' \"$d\" >&2; exit 126; }",
      "if [ -n \"$u\" ]; then",
      "  g=$(id -g -- \"$u\" 2>/dev/null) || { echo \"$m:no-such-user\" >&2; exit 126; }",
      "  set -- setpriv --reuid=\"$u\" --regid=\"$g\" --init-groups -- \"$@\"",
      "fi",
      "if [ \"$net\" = off ]; then",
      "  set -- unshare --pid --fork --kill-child --net -- \"$@\"",
      "elif [ -n \"$u\" ]; then",
      "  set -- unshare --pid --fork --kill-child -- \"$@\"",
      "fi",
      "to=0",
      "trap 'to=1' USR1",
      "setsid \"$@\" </dev/null &",
      "c=$!",
      "setsid sh -c 'sleep \"$1\"; kill -USR1 \"$2\"; kill -s KILL -- \"-$3\"'"
          + " vr-watchdog \"$t\" \"$$\" \"$c\" </dev/null >/dev/null 2>&1 &",
      "w=$!",
      WAIT_AND_STOP_WATCHDOG,
      "kill -s KILL -- \"-$c\" 2>/dev/null",
      "if [ \"$to\" = 1 ]; then echo \"$m\" >&2; fi",
      "exit \"$rc\"",
      "");

  private OneShots() {}

  static CommandResult plain(CommandRunner host, OneShot job, LineListener output) {
    String marker = marker();
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", PLAIN_RUN, "vr-oneshot",
        seconds(job.timeout()), marker, job.workingDir(), job.user().orElse(""),
        job.network() ? "on" : "off"));
    argv.addAll(envThenArgv(job));
    CommandResult r = host.stream(Command.builder().argv(argv)
        .timeout(job.timeout().plus(BACKSTOP)).build(), filtering(output, marker));
    if (r.timedOut()) {
      LOG.warn("one-shot {} on {} outlived its wrapper's watchdog; the runner killed it",
          job.display(), host.host());
    }
    return withoutMarker(host, job, r, marker);
  }

  /** How a host's system directories go into a container, and the user's ids there. */
  record HostLayout(List<String> binds, List<String> links, Optional<OneShotConfig.Ids> ids) {}

  /**
   * @param layouts what this runtime learned about hosts (per host and user); filled here
   */
  static CommandResult lxc(CommandRunner host, String root, Map<String, HostLayout> layouts,
      OneShot job, LineListener output) {
    String name = "vr1-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    String dir = OneShotConfig.plain("runtime root", root) + "/oneshot/" + name;
    for (String w : job.writableDirs()) {
      OneShotConfig.plain("writable directory", w);
    }
    OneShotConfig.plain("working directory", job.workingDir());
    HostLayout layout = layout(host, layouts, job.user());
    requireVisible(job, layout.binds());
    OneShotConfig config = new OneShotConfig(name, dir + "/rootfs", dir + "/lxc.log",
        layout.binds(), List.copyOf(job.writableDirs()),
        job.network() ? LxcConfig.Network.HOST : LxcConfig.Network.NONE, layout.ids(),
        job.workingDir());
    String marker = marker();
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", LXC_RUN, "vr-oneshot",
        seconds(job.timeout()), marker, dir, name, String.join(" ", layout.links()),
        "/bin/sh", "-c", IN_CONTAINER, "vr-oneshot"));
    argv.addAll(envThenArgv(job));
    boolean removed = false;
    try {
      CommandResult r = host.stream(Command.builder().argv(argv)
          .stdin(config.render().getBytes(StandardCharsets.UTF_8))
          .timeout(job.timeout().plus(BACKSTOP)).build(), filtering(output, marker));
      if (r.timedOut()) {
        // the wrapper did not end: its watchdog failed; the runner killed lxc-execute, which
        // can leave the container running without its monitor
        CommandResult stop = host.run(Command.builder().argv("lxc-stop", "-n", name, "-P",
            dir + "/lxcpath", "--kill").timeout(TOOL_TIMEOUT).build());
        LOG.warn("one-shot container {} on {} outlived its watchdog; lxc-stop --kill exit {}",
            name, host.host(), stop.exitCode());
      } else {
        removed = true; // by the wrapper, after the container ended
      }
      if (r.stderr().contains(marker + ":setup-failed")) {
        throw RunnerException.failed(dir, "cannot make the one-shot container directory " + dir
            + " on " + host.host() + ": " + r.stderrTail(5).replace(marker + ":setup-failed", ""));
      }
      return withoutMarker(host, job, r, marker);
    } finally {
      if (!removed) {
        host.remove(dir, true);
      }
    }
  }

  private static HostLayout layout(CommandRunner host, Map<String, HostLayout> layouts,
      Optional<String> user) {
    String key = host.host() + "\n" + user.orElse("");
    HostLayout known = layouts.get(key);
    if (known != null) {
      return known;
    }
    CommandResult r = host.run(Command.builder()
        .argv("/bin/sh", "-c", LXC_PROBE, "vr-oneshot", user.orElse(""))
        .timeout(TOOL_TIMEOUT).build());
    if (r.exitCode() == NO_SUCH_USER && !r.timedOut() && user.isPresent()) {
      throw RunnerException.badValue("user", user.get(), "does not exist on " + host.host());
    }
    if (!r.succeeded()) {
      throw RunnerException.failed(host.host(), "cannot look at the system directories of "
          + host.host() + " (exit " + r.exitCode() + "): " + r.stderrTail(5));
    }
    List<String> binds = new ArrayList<>();
    List<String> links = new ArrayList<>();
    Optional<OneShotConfig.Ids> ids = Optional.empty();
    for (String line : r.stdout().split("\n")) {
      if (line.startsWith("bind ") && HOST_DIRS.contains(line.substring(5))) {
        binds.add(line.substring(5));
      } else if (line.startsWith("link ") && HOST_DIRS.contains(line.substring(5))) {
        links.add(line.substring(5));
      } else if (line.startsWith("ids ")) {
        String[] f = line.split(" ");
        ids = Optional.of(new OneShotConfig.Ids(Integer.parseInt(f[1]), Integer.parseInt(f[2])));
      }
    }
    HostLayout layout = new HostLayout(List.copyOf(binds), List.copyOf(links), ids);
    layouts.putIfAbsent(key, layout);
    return layout;
  }

  /** LXC starts the command in its working directory: it must exist inside the container. */
  private static void requireVisible(OneShot job, List<String> binds) {
    String cwd = job.workingDir();
    List<String> visible = new ArrayList<>(binds);
    visible.addAll(job.writableDirs());
    boolean ok = cwd.equals("/") || cwd.equals("/tmp")
        || visible.stream().anyMatch(d -> cwd.equals(d) || cwd.startsWith(d + "/"));
    if (!ok) {
      throw RunnerException.badValue("working directory", cwd, "is not inside the container:"
          + " make it one of the writable directories (or inside one), /, /tmp or a directory"
          + " of the host's " + binds);
    }
  }

  /** {@code /usr/bin/env -i NAME=value ... program args}: the environment is exactly the job's. */
  private static List<String> envThenArgv(OneShot job) {
    List<String> out = new ArrayList<>(List.of("/usr/bin/env", "-i"));
    job.env().forEach((k, v) -> out.add(k + "=" + v));
    out.addAll(job.argv());
    return out;
  }

  static String seconds(Duration d) {
    long ms = Math.max(1, d.toMillis());
    return ms / 1000 + "." + String.format("%03d", ms % 1000);
  }

  private static String marker() {
    return "vr-oneshot-" + UUID.randomUUID().toString().replace("-", "");
  }

  /**
   * Drops the wrapper's marker line (from the marker on: after a last line without a newline,
   * the marker follows that line's text on the same line).
   */
  private static LineListener filtering(LineListener output, String marker) {
    return (channel, line) -> {
      int at = line.indexOf(marker);
      if (channel == LineListener.Channel.STDERR && at >= 0) {
        if (at > 0) {
          output.onLine(channel, line.substring(0, at));
        }
        return;
      }
      output.onLine(channel, line);
    };
  }

  /**
   * The result with the wrapper's marker taken out of stderr; the marker means it timed out.
   *
   * @throws RunnerException if the wrapper reported that the user does not exist
   */
  private static CommandResult withoutMarker(CommandRunner host, OneShot job, CommandResult r,
      String marker) {
    if (r.stderr().contains(marker + ":no-such-user")) {
      throw RunnerException.badValue("user", job.user().orElse(""), "does not exist on "
          + host.host());
    }
    int at = r.stderr().indexOf(marker);
    boolean timedOut = r.timedOut() || at >= 0;
    int eol = at < 0 ? -1 : r.stderr().indexOf('\n', at);
    String stderr = at < 0 ? r.stderr()
        : r.stderr().substring(0, at) + (eol < 0 ? "" : r.stderr().substring(eol + 1));
    return CommandResult.builder().exitCode(r.exitCode()).stdout(r.stdout()).stderr(stderr)
        .stdoutTruncated(r.stdoutTruncated()).stderrTruncated(r.stderrTruncated())
        .timedOut(timedOut).duration(r.duration()).build();
  }
}
