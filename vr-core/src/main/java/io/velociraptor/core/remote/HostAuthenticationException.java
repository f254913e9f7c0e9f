package io.velociraptor.core.remote;

import io.velociraptor.core.spi.HostConnectionException;

/** An SSH host refused our credentials. Names the host and user, never the key or password. */
public final class HostAuthenticationException extends HostConnectionException {
  private static final long serialVersionUID = 1L;

  /** The user (structured field of the message). */
  private final String user;

  HostAuthenticationException(String host, String message, String user, Throwable cause) {
    super(host, message, cause);
    this.user = user;
  }

  /** The user we tried to log in as. */
  public String user() {
    return user;
  }
}
