package io.velociraptor.core.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A command started by {@link CommandRunner#open} that is still talking: the caller writes its
 * stdin and reads its stdout and stderr as they come (a resident helper on the host that serves
 * many requests, instead of one command per request). Read both output streams, or the command
 * may block once a pipe is full. Closing it destroys the command.
 */
public interface RunningCommand extends AutoCloseable {

  /**
   * The command's stdin; closing it sends EOF.
   *
   * @return the command's stdin
   */
  OutputStream stdin();

  /**
   * The command's stdout; it ends when the command (and what kept the output open) ends.
   *
   * @return the command's stdout
   */
  InputStream stdout();

  /**
   * The command's stderr.
   *
   * @return the command's stderr
   */
  InputStream stderr();

  /**
   * Waits until the command exits or the timeout passes.
   *
   * @param timeout how long to wait at most
   * @return its exit code (128 + signal number for a signal), empty if it still runs
   * @throws IllegalStateException if interrupted while waiting
   */
  OptionalInt waitFor(Duration timeout);

  /**
   * Whether the command still runs.
   *
   * @return whether the command still runs
   */
  boolean isAlive();

  /**
   * Kills the command and the processes it started (SIGTERM, then SIGKILL after a grace) and
   * closes the streams. Idempotent; returns once the kill was sent and the command is gone or
   * the grace has passed.
   */
  void destroy();

  /** Destroys the command, as {@link #destroy()}. */
  @Override
  default void close() {
    destroy();
  }
}
