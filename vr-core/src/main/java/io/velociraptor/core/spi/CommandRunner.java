package io.velociraptor.core.spi;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Runs commands and moves files on one host, local or remote, so that backends never care
 * which. Implementations are thread-safe: concurrent commands to one host are allowed.
 *
 * <p>Every command has a timeout ({@link Command#timeout()}); when it passes, the command and the
 * processes it started are killed on the host (not only the local wait abandoned) and the result
 * says {@link CommandResult#timedOut()}. Start background processes with their output
 * redirected ({@code > log 2>&1 &}): one that keeps the command's stdout or stderr open keeps an
 * SSH command running until its timeout (as with {@code ssh} itself), while locally the command
 * ends with its main process and the rest of that output may be lost. A non-zero exit is a
 * result, not an exception; a host that cannot be reached is a {@link HostConnectionException}.
 *
 * <p>File paths are absolute paths on the host. Removal is confined to the runner's configured
 * root (a directory such as {@code /apps}).
 */
public interface CommandRunner extends AutoCloseable {

  /**
   * Returns the host this runner acts on, for messages: its name, {@code localhost} for the local
   * runner.
   *
   * @return the host this runner acts on, for messages: its name, {@code localhost} for the
   *     local runner
   */
  String host();

  /**
   * Runs a command and collects its output.
   *
   * @param command what to run
   * @return exit code, captured output, truncation and timeout flags, duration
   * @throws HostConnectionException if the host cannot be reached or the connection broke while
   *     the command ran (it may or may not have completed)
   * @throws IllegalStateException if the runner is closed
   */
  CommandResult run(Command command);

  /**
   * Runs a command and requires success (exit 0 within the timeout).
   *
   * @param command what to run
   * @return the successful result
   * @throws CommandFailedException naming the host, argv, exit code and stderr tail when the
   *     command exits non-zero or times out
   * @throws HostConnectionException if the host cannot be reached
   * @throws IllegalStateException if the runner is closed
   */
  default CommandResult runChecked(Command command) {
    CommandResult result = run(command);
    if (!result.succeeded()) {
      throw new CommandFailedException(host(), command, result);
    }
    return result;
  }

  /**
   * Runs a command, delivering its output line by line as it arrives, and also collects it
   * (capped) into the result.
   *
   * @param command what to run
   * @param listener receives stdout and stderr lines, tagged; calls are serialized
   * @return the result, as {@link #run}
   * @throws HostConnectionException if the host cannot be reached or the connection broke
   * @throws IllegalStateException if the runner is closed
   */
  CommandResult stream(Command command, LineListener listener);

  /**
   * Starts a command and hands back its streams while it runs, for a long-lived conversation
   * with a helper on the host. The command's {@link Command#timeout()} is not applied (the
   * caller decides when it ends: EOF on stdin, {@link RunningCommand#destroy()}); its stdin,
   * if given, is written first.
   *
   * @param command what to run
   * @return the running command; close it when done
   * @throws UnsupportedOperationException if this runner cannot keep a command open (the
   *     default, naming the runner), so that callers can fall back to {@link #run}
   * @throws HostConnectionException if the host cannot be reached
   * @throws IllegalStateException if the runner is closed
   */
  default RunningCommand open(Command command) {
    throw new UnsupportedOperationException("the command runner " + getClass().getName() + " for "
        + host() + " cannot keep a command open (open() is not implemented)");
  }

  /**
   * Writes a file atomically: the bytes go to a temporary file in the same directory, which is
   * given the mode and then renamed over {@code remotePath}. Readers see the old content or the
   * new, never a part. The directory must exist.
   *
   * @param content the file's bytes
   * @param remotePath absolute path of the file on the host
   * @param mode permission bits, e.g. {@code 0644}
   * @throws PathRefusedException if the path is empty, relative, {@code /} or ends with
   *     {@code /}
   * @throws RemoteFileException if the file cannot be written (names host and path)
   * @throws HostConnectionException if the host cannot be reached
   * @throws IllegalArgumentException if the mode is outside {@code 0..0777}
   */
  void upload(byte[] content, String remotePath, int mode);

  /**
   * Copies a local file to the host atomically, as {@link #upload(byte[], String, int)}, streaming
   * it (large build tarballs are never held in memory).
   *
   * @param localFile the local file to copy
   * @param remotePath absolute path of the file on the host
   * @param mode permission bits, e.g. {@code 0644}
   * @throws PathRefusedException if the remote path is empty, relative, {@code /} or ends with
   *     {@code /}
   * @throws RemoteFileException if the local file cannot be read or the remote file written
   * @throws HostConnectionException if the host cannot be reached
   * @throws IllegalArgumentException if the mode is outside {@code 0..0777}
   */
  void upload(Path localFile, String remotePath, int mode);

  /**
   * Reads a whole file from the host.
   *
   * @param remotePath absolute path of the file on the host
   * @return its bytes
   * @throws PathRefusedException if the path is empty or relative
   * @throws RemoteFileException if it does not exist or cannot be read
   * @throws HostConnectionException if the host cannot be reached
   */
  byte[] download(String remotePath);

  /**
   * Whether a path exists on the host (a dangling symlink counts as existing).
   *
   * @param remotePath absolute path on the host
   * @return whether it exists
   * @throws PathRefusedException if the path is empty or relative
   * @throws HostConnectionException if the host cannot be reached
   */
  boolean exists(String remotePath);

  /**
   * Removes a file, a symlink (never its target) or a directory; a missing path is not an
   * error. Refuses {@code /}, empty and relative paths, and any path that is not strictly
   * inside the runner's configured root, judged after resolving {@code ..} and the symlinks of
   * its parent directories.
   *
   * @param remotePath absolute path on the host
   * @param recursive whether to remove a directory with its contents; without it only files,
   *     symlinks and empty directories are removed
   * @throws PathRefusedException if the path is refused (before anything is touched)
   * @throws RemoteFileException if removal fails, e.g. a non-empty directory without
   *     {@code recursive}
   * @throws HostConnectionException if the host cannot be reached
   */
  void remove(String remotePath, boolean recursive);

  /**
   * The directory {@link #remove} is confined to, when this runner has one, so that a caller
   * that will remove files later (the runner's install, {@code vr-lxc}'s {@code RunnerInstall})
   * can refuse a layout it could not clean up before anything is written.
   *
   * @return the normalized removal root; empty if this runner does not say (the default)
   */
  default Optional<String> removalRoot() {
    return Optional.empty();
  }

  /** Closes connections and stops helper threads; running commands are abandoned. Idempotent. */
  @Override
  void close();
}
