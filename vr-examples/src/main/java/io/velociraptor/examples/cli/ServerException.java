package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;

/**
 * An error the vr server answered with (or the failure to reach it): its message, hint and the
 * exit code the CLI gives for the same error locally.
 */
final class ServerException extends VrException {
  private static final long serialVersionUID = 1L;
  private final String hint;
  private final int exitCode;
  private final int status;

  ServerException(String message, String hint, int exitCode, int status) {
    super(message);
    this.hint = hint;
    this.exitCode = exitCode;
    this.status = status;
  }

  /** @return what to do about it */
  String hint() {
    return hint;
  }

  /** @return the exit code */
  int exitCode() {
    return exitCode;
  }

  /** @return the HTTP status, 0 if the server was not reached */
  int status() {
    return status;
  }
}
