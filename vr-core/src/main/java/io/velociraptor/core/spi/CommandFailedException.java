package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.util.List;

/**
 * A command exited non-zero or timed out where success was required ({@link
 * CommandRunner#runChecked}). Carries the host, argv, exit code and the tail of stderr.
 */
public final class CommandFailedException extends VrException {
  private static final long serialVersionUID = 1L;

  /** How many trailing stderr lines the exception keeps. */
  public static final int STDERR_TAIL_LINES = 20;

  /** The host (structured field of the message). */
  private final String host;
  /** The argv (structured field of the message). */
  private final List<String> argv;
  /** The exit code (structured field of the message). */
  private final int exitCode;
  /** The timed out (structured field of the message). */
  private final boolean timedOut;
  /** The stderr tail (structured field of the message). */
  private final String stderrTail;

  /**
   * A command that exited non-zero or timed out; the message names the host and the command and
   * shows its stderr.
   *
   * @param host the host the command ran on
   * @param command the command
   * @param result what it did
   */
  public CommandFailedException(String host, Command command, CommandResult result) {
    super(message(host, command, result));
    this.host = host;
    this.argv = command.argv();
    this.exitCode = result.exitCode();
    this.timedOut = result.timedOut();
    this.stderrTail = result.stderrTail(STDERR_TAIL_LINES);
  }

  private static String message(String host, Command command, CommandResult result) {
    String what = result.timedOut()
        ? "timed out after " + command.timeout() + " and was killed"
        : "failed with exit code " + result.exitCode();
    String tail = result.stderrTail(STDERR_TAIL_LINES);
    return "command on host " + host + " " + what + ": " + command.display()
        + (tail.isEmpty() ? " (no stderr)" : "\nstderr:\n" + tail);
  }

  /** The host the command ran on. */
  public String host() {
    return host;
  }

  /** The command's argv. */
  public List<String> argv() {
    return argv;
  }

  /** The exit code ({@link CommandResult#TIMED_OUT_EXIT_CODE} if it timed out). */
  public int exitCode() {
    return exitCode;
  }

  /** Whether the command was killed for running past its timeout. */
  public boolean timedOut() {
    return timedOut;
  }

  /** The last {@value #STDERR_TAIL_LINES} lines of stderr. */
  public String stderrTail() {
    return stderrTail;
  }
}
