package io.velociraptor.core.spi;

/**
 * A runner refused a dangerous path before touching the host: {@code /}, an empty or relative
 * path, or (for {@link CommandRunner#remove}) a path outside the runner's configured root.
 */
public final class PathRefusedException extends RemoteFileException {
  private static final long serialVersionUID = 1L;

  /**
   * A dangerous path the runner refused before touching the host; the message says why.
   *
   * @param host the host
   * @param operation the operation that was refused
   * @param path the refused path
   * @param reason why it is refused
   */
  public PathRefusedException(String host, String operation, String path, String reason) {
    super(host, operation, "'" + path + "'", "refused: " + reason, null);
  }
}
