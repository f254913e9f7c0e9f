package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import java.time.Duration;
import java.util.List;

/**
 * Turns a proc.yaml into something Supervisor can run on a host, and back into nothing: the
 * dispatcher calls {@link #setup}, puts {@link #runCommand} into the program's
 * {@code command=}, starts it, runs {@link #uptest}, and later stops the program and calls
 * {@link #teardown}. Implementations act on hosts only through the given {@link CommandRunner},
 * so they work locally and over SSH alike.
 *
 * <p>Besides procs, a runtime runs one-shot commands ({@link #runOneShot}): a program run once to
 * completion in a throwaway container, such as a buildpack's {@code bin/compile}.
 */
public interface ContainerRuntime {

  /**
   * Returns a short name for logs and events, such as {@code lxc} or {@code plain}.
   *
   * @return a short name for logs and events, such as {@code lxc} or {@code plain}
   */
  String name();

  /**
   * Installs the proc's proc.yaml on the host and prepares it to run: fetches and checks the
   * build (and image), creates the proc directory, container root, env and config. Running it
   * again with the same data is safe; it must not be called while the proc is running.
   *
   * @param host where the proc runs
   * @param proc the proc.yaml contents
   * @throws VrException if the host refuses (bad or hostile values, checksum mismatch, the
   *     host cannot enforce the proc's limits, the command failed or timed out); the message
   *     names the host and the bad value
   */
  void setup(CommandRunner host, ProcData proc);

  /**
   * Returns the argv Supervisor's {@code command=} must run for this proc: it keeps the proc in the
   * foreground, exits when the proc exits, and stops it cleanly on SIGTERM.
   *
   * @param proc the proc.yaml contents
   * @return the argv Supervisor's {@code command=} must run for this proc: it keeps the proc
   *     in the foreground, exits when the proc exits, and stops it cleanly on SIGTERM
   */
  List<String> runCommand(ProcData proc);

  /**
   * Runs the build's uptests for the proc ({@code uptests/<proc_name>/}, sorted by name), each
   * as {@code <script> <host> <port>} in the proc's environment and killed after
   * {@code perTest}.
   *
   * @param host where the proc runs
   * @param proc the proc.yaml contents
   * @param perTest how long one uptest may run before it fails
   * @return one result per uptest, in name order; empty when the build has none
   * @throws VrException if the uptests could not be run at all (proc not set up, host
   *     unreachable); failing uptests are results, not exceptions
   */
  List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest);

  /**
   * Stops and destroys the proc's container or processes and removes its directory.
   * Idempotent: tearing down a proc that is gone, or whose proc.yaml is missing, succeeds.
   *
   * @param host where the proc ran
   * @param proc the proc's program name
   * @throws VrException if the name is foreign (not a proc vr deployed), or the host could
   *     not stop or remove it
   */
  void teardown(CommandRunner host, ProcName proc);

  /**
   * Lists the proc directories this runtime keeps on the host, whether or not Supervisor still
   * has a program for them. The dispatcher tears down those of a swarm that have no program (left
   * by a crash, or by a setup that failed where nothing could clean up), so none outlives its
   * swarm's next dispatch, its deletion or a reconcile.
   *
   * @param host the host to look at
   * @return the program names of the proc directories there (foreign names are left out), sorted;
   *     the default is empty, for runtimes written before this method (their leftovers are not
   *     found)
   * @throws VrException if the host cannot be read
   */
  default List<ProcName> procDirs(CommandRunner host) {
    return List.of();
  }

  /**
   * Removes the build tarballs and unpacked builds this runtime keeps on the host (under its root)
   * that are neither in {@code keepSha256} nor used by a proc directory there, so that what a
   * rollback to a kept release needs stays and nothing a proc runs from goes. Never follows a
   * symlink out of the root.
   *
   * @param host the host
   * @param keepSha256 the sha256 of the builds to keep
   * @param dryRun only list what would be removed
   * @return the paths removed (or that would be), sorted; the default removes nothing, for
   *     runtimes that keep no builds on hosts
   * @throws VrException if the host cannot be read or a removal fails
   */
  default List<String> pruneBuilds(CommandRunner host, java.util.Set<String> keepSha256, boolean dryRun) {
    return List.of();
  }

  /**
   * Runs a command once, to completion, in a throwaway container on the host (for a runtime
   * without containers: as {@link OneShot#user()}, in its own session), streaming its output.
   *
   * <p>The command sees exactly {@link OneShot#env()}, starts in {@link OneShot#workingDir()},
   * and may write {@link OneShot#writableDirs()} (bound at the same paths in a container, whose
   * other host directories are read-only). When {@link OneShot#timeout()} passes, everything it
   * started is killed (a container is stopped and gone) and the result says
   * {@link CommandResult#timedOut()}. Whatever the runtime created for it (container, config,
   * temporary directory) is removed afterwards, also when it fails or times out. A non-zero exit
   * is a result, not an exception.
   *
   * <p>Implementations act on the host only through {@code host}; every value reaches the host
   * as a separate argument or a checked config value, never spliced into a shell line.
   *
   * @param host where to run it
   * @param job what to run
   * @param output receives stdout and stderr lines as they arrive; calls are serialized
   * @return exit code, captured output (capped as {@link Command#DEFAULT_OUTPUT_LIMIT}), the
   *     timeout flag and duration
   * @throws OneShotUnsupportedException if this runtime has no one-shot entry point (the
   *     default, so that runtimes written before it still compile)
   * @throws VrException if the host refuses a value (the message names it), the user does not
   *     exist, the container cannot be created or removed, or the host cannot be reached
   */
  default CommandResult runOneShot(CommandRunner host, OneShot job, LineListener output) {
    throw new OneShotUnsupportedException(name());
  }

  /**
   * Ends what the runtime keeps open on hosts between calls (vr-lxc's runtimes: one resident
   * runner per host); later calls still work, opening again what they need. The default has
   * nothing to end. Idempotent.
   */
  default void close() {
  }
}
