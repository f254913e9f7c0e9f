package io.velociraptor.supervisor;

/**
 * supervisord's own state, from {@code supervisor.getState}.
 *
 * @param code Supervisor's number: 2 FATAL, 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN
 * @param name Supervisor's name for it
 */
public record SupervisorState(int code, String name) {
  /** Whether supervisord is running normally. */
  public boolean isRunning() {
    return code == 1;
  }
}
