package io.velociraptor.buildpack;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one local command in its own session (so it and everything it starts can be killed as a
 * process group) or, as another user where the kernel allows, in its own PID namespace (which the
 * kernel empties when the command ends), with a clean environment, a time limit and its output
 * delivered line by line. argv goes to execve as is (under unshare, as the arguments of a fixed
 * {@code sh -c 'unset PWD; "$@"'}, never parsed by a shell).
 */
final class LocalExec {
  private static final Logger LOG = LoggerFactory.getLogger(LocalExec.class);
  private static final Duration DRAIN = Duration.ofSeconds(5);
  /** How long a script's processes get between SIGTERM and SIGKILL. */
  static final Duration TERM_GRACE = Duration.ofSeconds(2);
  /** The variable that marks a script's processes when it has no PID namespace. */
  static final String MARK = "VR_BUILD_SCRIPT";
  private static final long OWN_PID = ProcessHandle.current().pid();

  /**
   * The user to run as, and how.
   *
   * @param name the user name
   * @param uid its uid
   * @param gid its primary group
   * @param group the primary group's name, or {@code gid} as a string
   * @param pidNamespace run each command in a PID namespace of its own ({@code unshare}), so that
   *     the kernel kills whatever it leaves when it ends; otherwise in a session of its own
   *     ({@code setsid}), whose members are looked for in {@code /proc}
   */
  record RunAs(String name, int uid, int gid, String group, boolean pidNamespace) {
    RunAs(String name, int uid, int gid) {
      this(name, uid, gid, Integer.toString(gid), false);
    }

    /** @return the same user, switched to in a PID namespace of each command's own, or not */
    RunAs withPidNamespace(boolean on) {
      return new RunAs(name, uid, gid, group, on);
    }

    /** @return the command that runs {@code argv} as this user */
    List<String> command(List<String> argv) {
      List<String> cmd = new ArrayList<>();
      if (pidNamespace) {
        // setsid: no controlling terminal (a script could push keystrokes into the operator's
        // with TIOCSTI) and a process group of its own. sh, not the script, is the namespace's
        // init: an init ignores signals it has no handler for (a script's 'kill $$' would do
        // nothing) and reaps orphans; it would also export a PWD of its own. --setgid drops the
        // supplementary groups
        cmd.addAll(List.of("setsid", "unshare", "--pid", "--fork", "--kill-child",
            "--setuid=" + uid, "--setgid=" + gid, "--",
            "/bin/sh", "-c", "unset PWD; \"$@\"; exit $?", "sh"));
      } else {
        cmd.add("setsid");
        cmd.addAll(setpriv());
      }
      cmd.addAll(argv);
      return cmd;
    }

    /**
     * The setpriv options that switch to this user. Names where they are plain names: setpriv
     * looks an argument up as a name first, and a number misses /etc/passwd and loads every
     * other NSS module on each call.
     */
    List<String> setpriv() {
      return List.of("setpriv",
          "--reuid=" + (name.matches(HostUserSandbox.NAME) ? name : Integer.toString(uid)),
          "--regid=" + (group.matches(HostUserSandbox.NAME) ? group : Integer.toString(gid)),
          "--clear-groups", "--");
    }
  }

  /**
   * @param exitCode the exit code (-1 when it timed out)
   * @param stdout stdout, when it was captured apart from the log
   * @param timedOut whether the time limit killed it
   */
  record Result(int exitCode, String stdout, boolean timedOut) {}

  private LocalExec() {}

  /**
   * @param argv the command
   * @param env the whole environment (nothing is inherited)
   * @param workDir the working directory
   * @param runAs the user to switch to, if any (requires root)
   * @param timeout the time limit
   * @param captureStdout keep stdout apart (returned) and send only stderr to {@code log}
   * @param log receives output lines
   */
  static Result run(List<String> argv, Map<String, String> env, Path workDir,
      Optional<RunAs> runAs, Duration timeout, boolean captureStdout, Consumer<String> log)
      throws IOException {
    return run(argv, env, workDir, runAs, timeout, captureStdout, log, () -> { });
  }

  /** As above; {@code onTimeout} runs after the process group was killed for a timeout. */
  static Result run(List<String> argv, Map<String, String> env, Path workDir,
      Optional<RunAs> runAs, Duration timeout, boolean captureStdout, Consumer<String> log,
      Runnable onTimeout) throws IOException {
    List<String> cmd = runAs.map(u -> u.command(argv)).orElseGet(() -> {
      List<String> c = new ArrayList<>(List.of("setsid"));
      c.addAll(argv);
      return c;
    });
    // without a PID namespace, a process that calls setsid itself and outlives its parent is in
    // neither the group nor the tree: it is found by a variable it inherits
    Optional<String> markValue = runAs.filter(RunAs::pidNamespace).isPresent()
        ? Optional.empty() : Optional.of(UUID.randomUUID().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    markValue.ifPresent(v -> pb.environment().put(MARK, v));
    Optional<String> mark = markValue.map(v -> MARK + "=" + v);
    pb.redirectErrorStream(!captureStdout);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    LOG.debug("running {} in {} as {}", argv, workDir, runAs.map(RunAs::name).orElse("self"));
    Process p = pb.start();
    // read before it can be reaped: what the script starts starts no earlier
    long[] first = readStat("/proc/" + p.pid() + "/stat", new byte[4096], true);
    Group group = new Group(p.pid(), mark, first.length == 0 ? 0 : first[2]);
    StringBuilder out = new StringBuilder();
    Thread outReader = pump(p.getInputStream(), captureStdout
        ? line -> {
          synchronized (out) {
            out.append(line).append('\n');
          }
        }
        : log, "stdout " + argv.get(0));
    Thread errReader = captureStdout ? pump(p.getErrorStream(), log, "stderr " + argv.get(0)) : null;
    boolean finished;
    try {
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      killGroup(p, group);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + argv, e);
    }
    if (!finished) {
      // first, while whatever supervises the command (an LXC monitor) can still be reached
      onTimeout.run();
    }
    // also on success: nothing a buildpack started may outlive its step (in a PID namespace, the
    // kernel killed what was left when the namespace's init ended, before unshare did)
    if (!finished || runAs.map(u -> !u.pidNamespace()).orElse(true)) {
      killGroup(p, group);
    }
    try {
      p.waitFor(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
      outReader.join(DRAIN.toMillis());
      if (errReader != null) {
        errReader.join(DRAIN.toMillis());
      }
      if (outReader.isAlive() || (errReader != null && errReader.isAlive())) {
        // something that left the process group still holds the pipes: stop reading
        LOG.warn("output of {} still open {} after it ended; closing it", argv, DRAIN);
        p.getInputStream().close();
        p.getErrorStream().close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + argv, e);
    }
    String stdout;
    synchronized (out) {
      stdout = out.toString();
    }
    return finished
        ? new Result(p.exitValue(), stdout, false)
        : new Result(-1, stdout, true);
  }

  private static void killGroup(Process p, Group group) {
    // setsid made the child a session and process group leader: its pid is the group id (under
    // unshare, everything in the namespace descends from the child instead). Java
    // cannot signal a group, so each member found in /proc is signalled; this avoids spawning
    // kill(1) after every script. One pass over /proc finds the group and the child's
    // descendants together (reading it costs ~15 us a process). SIGTERM first, so that a
    // compile's tools can end cleanly, then SIGKILL (a few rounds, in case one forks meanwhile)
    // until none is left: a killed process lives on until it is scheduled (long on a busy
    // machine), and nothing of the script may run once this returns
    List<ProcessHandle> left = group.members();
    if (!left.isEmpty()) {
      left.forEach(ProcessHandle::destroy);
      long grace = System.nanoTime() + TERM_GRACE.toNanos();
      while (!left.isEmpty() && System.nanoTime() - grace < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        left = group.members();
      }
    }
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (!left.isEmpty()) {
      left.forEach(ProcessHandle::destroyForcibly);
      if (System.nanoTime() - deadline > 0) {
        LOG.warn("processes of {} still alive {} after SIGKILL: {}", p.pid(), DRAIN,
            left.stream().map(ProcessHandle::pid).toList());
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      left = group.members();
    }
    // the handle, not Process.destroyForcibly(): that closes the output pipes, losing output
    // that has not been read yet
    p.toHandle().destroyForcibly();
  }

  /**
   * A running script: its process group (the child's pid), the mark its processes inherit (when
   * it has no PID namespace) and the child's start time in clock ticks after boot.
   */
  private record Group(long pid, Optional<String> mark, long startTicks) {
    List<ProcessHandle> members() {
      return leftovers(pid, mark, startTicks);
    }
  }

  /**
   * Live (not zombie) processes in the process group {@code pid} or descending from {@code pid}
   * (a descendant may have moved to a group of its own), sorted by pid.
   */
  static List<ProcessHandle> leftovers(long pid) {
    return leftovers(pid, Optional.empty(), 0);
  }

  /**
   * As {@link #leftovers(long)}, plus processes started at {@code sinceTicks} or later whose
   * environment holds {@code mark} ({@code NAME=value}): they may have left both the group and
   * the tree (setsid, then their parent ended).
   */
  static List<ProcessHandle> leftovers(long pid, Optional<String> mark, long sinceTicks) {
    String[] names = new File("/proc").list();
    if (names == null) {
      return List.of();
    }
    byte[] buf = new byte[4096];
    SortedSet<Long> hit = new TreeSet<>();
    Map<Long, List<Long>> children = new HashMap<>();
    for (String name : names) {
      if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
        continue;
      }
      long[] stat = readStat("/proc/" + name + "/stat", buf, false);
      if (stat.length == 0) {
        continue; // gone while we looked, or a zombie
      }
      long self = Long.parseLong(name);
      if (stat[1] == pid || (mark.isPresent() && stat[2] >= sinceTicks && self != OWN_PID
          && environHolds("/proc/" + name + "/environ", mark.get()))) {
        hit.add(self);
      }
      children.computeIfAbsent(stat[0], k -> new ArrayList<>()).add(self);
    }
    Set<Long> seen = new HashSet<>(List.of(pid));
    ArrayDeque<Long> todo = new ArrayDeque<>(children.getOrDefault(pid, List.of()));
    while (!todo.isEmpty()) {
      long c = todo.pop();
      if (seen.add(c)) {
        hit.add(c);
        todo.addAll(children.getOrDefault(c, List.of()));
      }
    }
    List<ProcessHandle> out = new ArrayList<>();
    for (long h : hit) {
      ProcessHandle.of(h).ifPresent(out::add);
    }
    return out;
  }

  /** Whether a {@code /proc/<pid>/environ} holds the entry {@code NAME=value}. */
  private static boolean environHolds(String file, String entry) {
    byte[] env;
    try {
      env = java.nio.file.Files.readAllBytes(Path.of(file));
    } catch (IOException gone) {
      return false;
    }
    byte[] want = entry.getBytes(StandardCharsets.UTF_8);
    for (int start = 0; start < env.length; ) {
      int end = start;
      while (end < env.length && env[end] != 0) {
        end++;
      }
      if (end - start == want.length
          && java.util.Arrays.equals(env, start, end, want, 0, want.length)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /**
   * @param zombies also read a zombie's stat
   * @return {ppid, pgrp, starttime} from a {@code /proc/<pid>/stat}, or an empty array if the
   *     process is gone or (unless asked for) a zombie
   */
  private static long[] readStat(String file, byte[] buf, boolean zombies) {
    int n = 0;
    try (FileInputStream in = new FileInputStream(file)) {
      int r;
      while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
        n += r;
      }
    } catch (IOException gone) {
      return new long[0];
    }
    // "pid (comm) S ppid pgrp ...": comm may hold anything, so parse after the last ')'
    int i = n - 1;
    while (i >= 0 && buf[i] != ')') {
      i--;
    }
    if (i < 0 || i + 3 >= n || (buf[i + 2] == 'Z' && !zombies)) {
      return new long[0];
    }
    // fields 4 (ppid), 5 (pgrp) and 22 (starttime) of proc(5)
    long[] f = new long[3];
    int pos = i + 4;
    for (int k = 0; k < 19; k++) {
      long v = 0;
      boolean neg = false;
      if (pos < n && buf[pos] == '-') {
        neg = true;
        pos++;
      }
      while (pos < n && buf[pos] >= '0' && buf[pos] <= '9') {
        v = v * 10 + (buf[pos++] - '0');
      }
      if (k < 2) {
        f[k] = neg ? -v : v;
      } else if (k == 18) {
        f[2] = v;
      }
      pos++; // the space
    }
    return f;
  }

  private static Thread pump(InputStream in, Consumer<String> sink, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.accept(line);
        }
      } catch (IOException e) {
        LOG.debug("output of {} ended: {}", name, e.toString());
      }
    }, "vr-build-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
