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
 */
public interface ContainerRuntime {

  /**
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
}
