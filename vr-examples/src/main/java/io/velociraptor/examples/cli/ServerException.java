package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import java.util.Optional;

/**
 * An error the vr server answered with (or the failure to reach it): its message, hint and the
 * exit code the CLI gives for the same error locally.
 */
final class ServerException extends VrException {
  private static final long serialVersionUID = 1L;
  private final String hint;
  private final int exitCode;
  private final int status;
  private final String run;

  ServerException(String message, String hint, int exitCode, int status) {
    this(message, hint, exitCode, status, Optional.empty());
  }

  ServerException(String message, String hint, int exitCode, int status, Optional<String> run) {
    super(message);
    this.hint = hint;
    this.exitCode = exitCode;
    this.status = status;
    this.run = run.orElse(null);
  }

  /** @return what to do about it */
  String hint() {
    return hint;
  }

  /** @return the exit code */
  int exitCode() {
    return exitCode;
  }

  /** @return the live run that holds a busy swarm, as the server's error named it */
  Optional<String> run() {
    return Optional.ofNullable(run);
  }

  /** @return the HTTP status, 0 if the server was not reached */
  int status() {
    return status;
  }
}
