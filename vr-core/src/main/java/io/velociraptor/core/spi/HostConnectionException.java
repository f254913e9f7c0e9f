package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/**
 * A host could not be reached, refused us, or the connection broke during a command. Backends
 * treat the host as unreachable (unknown, not empty) when they see this.
 */
public class HostConnectionException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The host (structured field of the message). */
  private final String host;

  /**
   * A failure to reach {@code host}.
   *
   * @param host the host
   * @param message what failed, naming the host
   * @param cause the underlying failure, or null
   */
  public HostConnectionException(String host, String message, Throwable cause) {
    super(message, cause);
    this.host = host;
  }

  /** The host that could not be reached. */
  public String host() {
    return host;
  }
}
