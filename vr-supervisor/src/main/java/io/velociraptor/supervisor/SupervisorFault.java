package io.velociraptor.supervisor;

import java.util.Optional;

/** Every fault code Supervisor 4.2 defines ({@code supervisor.xmlrpc.Faults}). */
public enum SupervisorFault {
  /** The method does not exist. */
  UNKNOWN_METHOD(1),
  /** Wrong number or type of parameters. */
  INCORRECT_PARAMETERS(2),
  /** The arguments are bad. */
  BAD_ARGUMENTS(3),
  /** The signature is not supported. */
  SIGNATURE_UNSUPPORTED(4),
  /** supervisord is shutting down. */
  SHUTDOWN_STATE(6),
  /** No such process or group. */
  BAD_NAME(10),
  /** No such signal. */
  BAD_SIGNAL(11),
  /** A file the call needs does not exist (log, command). */
  NO_FILE(20),
  /** The command is not executable. */
  NOT_EXECUTABLE(21),
  /** A generic failure (includes uncaught errors inside supervisord). */
  FAILED(30),
  /** The process ended abnormally while the call waited. */
  ABNORMAL_TERMINATION(40),
  /** The process could not be spawned. */
  SPAWN_ERROR(50),
  /** The process is already running: counts as success for a start. */
  ALREADY_STARTED(60),
  /** The process is not running: counts as success for a stop. */
  NOT_RUNNING(70),
  /** A success reported as a fault. */
  SUCCESS(80),
  /** The group is already active: counts as success for an add. */
  ALREADY_ADDED(90),
  /** The group still has running processes and cannot be removed. */
  STILL_RUNNING(91),
  /** The configuration could not be re-read (the message holds the parse error). */
  CANT_REREAD(92);

  private final int code;

  SupervisorFault(int code) {
    this.code = code;
  }

  /** Returns Supervisor's numeric fault code. */
  public int code() {
    return code;
  }

  /**
   * Returns the fault, or empty for a code Supervisor does not define.
   *
   * @param code a fault code from a response
   * @return the fault, or empty for a code Supervisor does not define
   */
  public static Optional<SupervisorFault> ofCode(int code) {
    for (SupervisorFault f : values()) {
      if (f.code == code) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** Whether this fault means the wanted state already holds (started, stopped, added). */
  public boolean meansAlreadySo() {
    return this == ALREADY_STARTED || this == NOT_RUNNING || this == ALREADY_ADDED;
  }
}
