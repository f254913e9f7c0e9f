package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/**
 * A file operation (upload, download, exists, remove) failed or was refused on a host. Names
 * the host, the operation and the path.
 */
public class RemoteFileException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The host (structured field of the message). */
  private final String host;
  /** The operation (structured field of the message). */
  private final String operation;
  /** The path (structured field of the message). */
  private final String path;

  /**
   * A failed file operation on a host; the message names the operation, path and host.
   *
   * @param host the host
   * @param operation {@code upload}, {@code download}, {@code exists} or {@code remove}
   * @param path the path on the host
   * @param detail why it failed
   * @param cause the underlying failure, or null
   */
  public RemoteFileException(
      String host, String operation, String path, String detail, Throwable cause) {
    super(operation + " of " + path + " on host " + host + " failed: " + detail, cause);
    this.host = host;
    this.operation = operation;
    this.path = path;
  }

  /** The host. */
  public String host() {
    return host;
  }

  /** The operation that failed. */
  public String operation() {
    return operation;
  }

  /** The path on the host. */
  public String path() {
    return path;
  }
}
