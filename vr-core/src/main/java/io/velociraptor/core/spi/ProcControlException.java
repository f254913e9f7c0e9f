package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.util.Objects;

/**
 * A {@link ProcController} operation failed. Carries the host, the program and a {@link Reason}
 * the dispatcher can act on; the message says what happened and, when known, why.
 */
public final class ProcControlException extends VrException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure it was. */
  public enum Reason {
    /** The host (or its supervisor) could not be reached, refused the login, or timed out. */
    UNREACHABLE,
    /** No program of that name is installed on the host. */
    NO_SUCH_PROC,
    /** The program could not be spawned, or exited before it counted as started. */
    START_FAILED,
    /** The spec cannot be represented on this host (a value its config format cannot carry). */
    REJECTED,
    /** Anything else the backend reported. */
    FAILED
  }

  /** The reason (structured field of the message). */
  private final Reason reason;
  /** The host (structured field of the message). */
  private final String host;
  /** The program (structured field of the message). */
  private final String program;

  private ProcControlException(Reason reason, String host, String program, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.host = Objects.requireNonNull(host, "host");
    this.program = Objects.requireNonNull(program, "program");
  }

  /**
   * A proc control failure of the given kind, naming the host and the program.
   *
   * @param reason what kind of failure
   * @param host the host name
   * @param program the program name
   * @param message what happened, naming the host and the program
   * @param cause the backend's exception, or null
   * @return the exception to throw
   */
  public static ProcControlException of(Reason reason, String host, String program, String message, Throwable cause) {
    return new ProcControlException(reason, host, program, message, cause);
  }

  /** What kind of failure. */
  public Reason reason() {
    return reason;
  }

  /** The host name. */
  public String host() {
    return host;
  }

  /** The program name. */
  public String program() {
    return program;
  }
}
