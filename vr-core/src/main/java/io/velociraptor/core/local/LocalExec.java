package io.velociraptor.core.local;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
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
 * Runs one command on this machine with a time limit, stdin from {@code /dev/null} and its
 * output read while it runs. argv goes to execve as is (never parsed by a shell). Two ways:
 *
 * <ul>
 *   <li>{@link #run isolated} (the builder's scripts): in a session of its own (so it and
 *       everything it starts can be killed as a process group) or, as another user where the
 *       kernel allows, in a PID namespace of its own (which the kernel empties when the command
 *       ends; under unshare argv is the arguments of a fixed {@code sh -c 'unset PWD; "$@"'}),
 *       with exactly the environment given, its output delivered line by line, and nothing it
 *       started left running when it returns.
 *   <li>{@link #runHere here} (the runner's tools, such as {@code lxc-start}, whose monitors must
 *       outlive them): in this process's environment, directory and session, stdout and stderr
 *       kept together (the last {@link #MAX_OUTPUT} bytes), its process tree killed only at the
 *       time limit.
 * </ul>
 */
public final class LocalExec {
  private static final Logger LOG = LoggerFactory.getLogger(LocalExec.class);
  private static final Duration DRAIN = Duration.ofSeconds(5);
  /** How long a process has to end after SIGKILL at the time limit of {@link #runHere}. */
  private static final Duration KILLED_EXIT = Duration.ofSeconds(10);
  /** How long an isolated command's processes get between SIGTERM and SIGKILL. */
  public static final Duration TERM_GRACE = Duration.ofSeconds(2);
  /** The variable that marks an isolated command's processes when it has no PID namespace. */
  public static final String MARK = "VR_BUILD_SCRIPT";
  /** How much of its output {@link #runHere} keeps: the last this many bytes. */
  public static final int MAX_OUTPUT = 64 * 1024;
  /** A plain user or group name, which setpriv is given as a name rather than a number. */
  public static final String USER_NAME = "[a-z_][a-z0-9_-]{0,31}";
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
  public record RunAs(String name, int uid, int gid, String group, boolean pidNamespace) {
    /** The user with its primary group given by number, in a session of each command's own. */
    public RunAs(String name, int uid, int gid) {
      this(name, uid, gid, Integer.toString(gid), false);
    }

    /**
     * The same user, switched to in a PID namespace of each command's own when {@code on}, else in
     * a session of each command's own.
     */
    public RunAs withPidNamespace(boolean on) {
      return new RunAs(name, uid, gid, group, on);
    }

    /**
     * The command that runs {@code argv} as this user: under {@code setsid unshare} when
     * {@link #pidNamespace()}, else under {@code setsid setpriv}.
     */
    public List<String> command(List<String> argv) {
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
    public List<String> setpriv() {
      return List.of("setpriv",
          "--reuid=" + (name.matches(USER_NAME) ? name : Integer.toString(uid)),
          "--regid=" + (group.matches(USER_NAME) ? group : Integer.toString(gid)),
          "--clear-groups", "--");
    }
  }

  /**
   * How a command ended: its exit code, the output kept, whether the time limit killed it, and how
   * long it ran.
   *
   * @param exitCode the exit code: for {@link LocalExec#run}, -1 when it timed out; for {@link
   *     LocalExec#runHere}, what the kill left (-1 if it had not ended)
   * @param output what was captured: stdout, when {@link LocalExec#run} was asked to keep it
   *     apart from the log (else empty); stdout and stderr together for {@link
   *     LocalExec#runHere}
   * @param timedOut whether the time limit killed it
   * @param durationMs how long it ran, in milliseconds
   */
  public record Result(int exitCode, String output, boolean timedOut, long durationMs) {
    /** A result whose duration nobody measured (0). */
    public Result(int exitCode, String output, boolean timedOut) {
      this(exitCode, output, timedOut, 0);
    }
  }

  private LocalExec() {}

  /**
   * Runs a command isolated (see the class comment).
   *
   * @param argv the command
   * @param env the whole environment (nothing is inherited)
   * @param workDir the working directory
   * @param runAs the user to switch to, if any (requires root)
   * @param timeout the time limit
   * @param captureStdout keep stdout apart (returned) and send only stderr to {@code log}
   * @param log receives output lines
   * @return how it ended
   * @throws IOException if it cannot be started or this thread is interrupted
   */
  public static Result run(List<String> argv, Map<String, String> env, Path workDir,
      Optional<RunAs> runAs, Duration timeout, boolean captureStdout, Consumer<String> log)
      throws IOException {
    return run(argv, env, workDir, runAs, timeout, captureStdout, log, () -> { });
  }

  /** As above; {@code onTimeout} runs at the time limit, before the process group is killed. */
  public static Result run(List<String> argv, Map<String, String> env, Path workDir,
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
    Map<String, String> fullEnv = new HashMap<>(env);
    markValue.ifPresent(v -> fullEnv.put(MARK, v));
    Optional<String> mark = markValue.map(v -> MARK + "=" + v);
    LOG.debug("running {} in {} as {}", argv, workDir, runAs.map(RunAs::name).orElse("self"));
    StringBuilder out = new StringBuilder();
    Consumer<String> stdoutLines = captureStdout
        ? line -> {
          synchronized (out) {
            out.append(line).append('\n');
          }
        }
        : log;
    Running r = start(argv, cmd, fullEnv, workDir, lines(stdoutLines),
        captureStdout ? Optional.of(lines(log)) : Optional.empty());
    // read before it can be reaped: what the script starts starts no earlier
    long[] first = readStat("/proc/" + r.process.pid() + "/stat", new byte[4096], true);
    Group group = new Group(r.process.pid(), mark, first.length == 0 ? 0 : first[2]);
    boolean finished = r.waitFor(timeout, () -> killGroup(r.process, group));
    if (!finished) {
      // first, while whatever supervises the command (an LXC monitor) can still be reached
      onTimeout.run();
    }
    // also on success: nothing a buildpack started may outlive its step (in a PID namespace, the
    // kernel killed what was left when the namespace's init ended, before unshare did)
    if (!finished || runAs.map(u -> !u.pidNamespace()).orElse(true)) {
      killGroup(r.process, group);
    }
    r.drain(DRAIN);
    String stdout;
    synchronized (out) {
      stdout = out.toString();
    }
    return finished
        ? new Result(r.process.exitValue(), stdout, false, r.millis())
        : new Result(-1, stdout, true, r.millis());
  }

  /**
   * Runs a command here (see the class comment); at the time limit, {@code onTimeout} runs and
   * then the command and its descendants are killed.
   *
   * @param argv the command
   * @param timeout the time limit
   * @param onTimeout runs at the time limit, before the kill
   * @return how it ended, with the last {@link #MAX_OUTPUT} bytes of its output (marked when
   *     cut)
   * @throws IOException if it cannot be started or this thread is interrupted
   */
  public static Result runHere(List<String> argv, Duration timeout, Runnable onTimeout)
      throws IOException {
    TailBuffer out = new TailBuffer();
    Running r = start(argv, argv, System.getenv(), Path.of(System.getProperty("user.dir")),
        out::drain, Optional.empty());
    Runnable killTree = () -> {
      r.process.descendants().forEach(ProcessHandle::destroyForcibly);
      r.process.destroyForcibly();
    };
    boolean finished = r.waitFor(timeout, killTree);
    if (!finished) {
      onTimeout.run();
      killTree.run();
      r.awaitExit(KILLED_EXIT);
    }
    r.awaitReaders(DRAIN);
    return new Result(r.process.isAlive() ? -1 : r.process.exitValue(), out.text(), !finished,
        r.millis());
  }

  /** A started command and the threads reading its output. */
  private record Running(List<String> argv, Process process, Thread outReader,
      Optional<Thread> errReader, long startNanos) {
    /**
     * @param kill what to kill if this thread is interrupted while waiting
     * @return whether it ended within {@code timeout}
     */
    boolean waitFor(Duration timeout, Runnable kill) throws IOException {
      try {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        kill.run();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + argv, e);
      }
    }

    void awaitExit(Duration limit) throws IOException {
      try {
        process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + argv, e);
      }
    }

    /** @return whether every reader has finished within {@code limit} each */
    boolean awaitReaders(Duration limit) throws IOException {
      try {
        outReader.join(limit.toMillis());
        if (errReader.isPresent()) {
          errReader.get().join(limit.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + argv, e);
      }
      return !outReader.isAlive() && errReader.map(t -> !t.isAlive()).orElse(true);
    }

    /** Waits for the end and the output, then stops reading what something else still holds. */
    void drain(Duration limit) throws IOException {
      awaitExit(limit);
      if (!awaitReaders(limit)) {
        // something that left the process group still holds the pipes: stop reading
        LOG.warn("output of {} still open {} after it ended; closing it", argv, limit);
        process.getInputStream().close();
        process.getErrorStream().close();
      }
    }

    long millis() {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
  }

  /**
   * Starts {@code cmd} with exactly {@code env}; {@code stdout} reads its stdout, and {@code
   * stderr} its stderr (else stderr goes with stdout).
   */
  private static Running start(List<String> argv, List<String> cmd, Map<String, String> env,
      Path workDir, Consumer<InputStream> stdout, Optional<Consumer<InputStream>> stderr)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(stderr.isEmpty());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    long startNanos = System.nanoTime();
    Process p = pb.start();
    Thread outReader = pump(p.getInputStream(), stdout, "stdout " + argv.get(0));
    Optional<Thread> errReader =
        stderr.map(s -> pump(p.getErrorStream(), s, "stderr " + argv.get(0)));
    return new Running(argv, p, outReader, errReader, startNanos);
  }

  private static Thread pump(InputStream in, Consumer<InputStream> reader, String name) {
    Thread t = new Thread(() -> reader.accept(in), "vr-exec-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Reads a stream line by line (UTF-8) into {@code sink} until it ends. */
  private static Consumer<InputStream> lines(Consumer<String> sink) {
    return in -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.accept(line);
        }
      } catch (IOException e) {
        LOG.debug("output ended: {}", e.toString());
      }
    };
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
   *
   * @param pid a process group id
   * @return the processes
   */
  public static List<ProcessHandle> leftovers(long pid) {
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

  /** Keeps at most {@link #MAX_OUTPUT} bytes, dropping the oldest. */
  static final class TailBuffer {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private boolean truncated;

    void drain(InputStream in) {
      byte[] b = new byte[8192];
      try (in) {
        for (int r; (r = in.read(b)) > 0; ) {
          synchronized (this) {
            buf.write(b, 0, r);
            if (buf.size() > 2 * MAX_OUTPUT) {
              byte[] all = buf.toByteArray();
              buf.reset();
              buf.write(all, all.length - MAX_OUTPUT, MAX_OUTPUT);
              truncated = true;
            }
          }
        }
      } catch (IOException e) {
        // the process went away; what was read so far is the output
      }
    }

    synchronized String text() {
      byte[] all = buf.toByteArray();
      boolean cut = truncated || all.length > MAX_OUTPUT;
      int from = Math.max(0, all.length - MAX_OUTPUT);
      String s = new String(all, from, all.length - from, StandardCharsets.UTF_8);
      return cut ? "[output truncated to the last " + MAX_OUTPUT + " bytes]\n" + s : s;
    }
  }
}
