package io.velociraptor.core.spi;

/**
 * Receives the output of a {@link CommandRunner#stream streamed} command line by line, as the
 * lines arrive. Calls are serialized (never two at once for one command), so an implementation
 * need not be thread-safe; it should return quickly, because output is read on the caller's I/O
 * thread (for SSH, the thread shared by every command to that host).
 */
@FunctionalInterface
public interface LineListener {

  /** Which output stream a line came from. */
  enum Channel {
    /** The command's standard output. */
    STDOUT,
    /** The command's standard error. */
    STDERR
  }

  /**
   * Called once per line. The line has no trailing {@code \n} (nor the {@code \r} of a
   * {@code \r\n}); a last line without a newline is delivered when the stream ends. Bytes are
   * decoded as UTF-8, malformed input replaced.
   *
   * @param channel where the line came from
   * @param line the line's text
   * @throws RuntimeException whatever the listener throws is logged and does not stop the
   *     command
   */
  void onLine(Channel channel, String line);

  /**
   * A listener that ignores every line.
   *
   * @return a listener that does nothing
   */
  static LineListener ignoring() {
    return (channel, line) -> { };
  }
}
