package io.velociraptor.core.model;

/** Supervisor's process states, plus {@link #UNKNOWN} for a state vr does not recognise. */
public enum ProcState {
  /** Stopped by request, or never started. */
  STOPPED,
  /** Starting; not yet up for {@code startsecs}. */
  STARTING,
  /** Running. */
  RUNNING,
  /** Exited too quickly; Supervisor will retry. */
  BACKOFF,
  /** Being stopped. */
  STOPPING,
  /** Exited from RUNNING (expectedly or not). */
  EXITED,
  /** Could not be started; Supervisor gave up. */
  FATAL,
  /** A state name vr does not know. */
  UNKNOWN;

  /** Whether the process is up or on its way up. */
  public boolean isUp() {
    return this == RUNNING || this == STARTING || this == BACKOFF;
  }

  /**
   * Returns the state, or {@link #UNKNOWN}.
   *
   * @param name a Supervisor state name such as {@code RUNNING}
   * @return the state, or {@link #UNKNOWN}
   */
  public static ProcState fromSupervisor(String name) {
    for (ProcState s : values()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return UNKNOWN;
  }
}
