package io.velociraptor.supervisor;

import io.velociraptor.core.model.ProcState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One process as {@code supervisor.getProcessInfo} reports it, typed.
 *
 * @param name the process name
 * @param group its group (for vr's programs, the same as the name)
 * @param description Supervisor's one-line description ({@code pid 12, uptime 0:01:02})
 * @param state the state
 * @param startedAt when it last started; empty if never
 * @param stoppedAt when it last stopped; empty if never
 * @param now supervisord's clock when it answered
 * @param pid the process id while it runs
 * @param exitStatus the last exit status
 * @param spawnError why the last spawn failed; empty if it did not
 * @param stdoutLogfile the stdout log path; empty if none
 * @param stderrLogfile the stderr log path; empty if none or redirected
 */
public record ProcessInfo(
    String name,
    String group,
    String description,
    ProcState state,
    Optional<Instant> startedAt,
    Optional<Instant> stoppedAt,
    Instant now,
    OptionalLong pid,
    int exitStatus,
    Optional<String> spawnError,
    Optional<String> stdoutLogfile,
    Optional<String> stderrLogfile) {

  /**
   * @throws NullPointerException if a component is null
   * @param stoppedAt the stopped at
   * @param stdoutLogfile the stdout logfile
   * @param stderrLogfile the stderr logfile
   * @param state the state
   * @param startedAt the started at
   * @param spawnError the spawn error
   * @param pid the pid
   * @param now the now
   * @param name the name
   * @param group the group
   * @param exitStatus the exit status
   * @param description the description
   */
  public ProcessInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(stoppedAt, "stoppedAt");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(spawnError, "spawnError");
    Objects.requireNonNull(stdoutLogfile, "stdoutLogfile");
    Objects.requireNonNull(stderrLogfile, "stderrLogfile");
  }

  /**
   * The name Supervisor's calls accept: {@code name}, or {@code group:name} inside a larger group.
   */
  public String namespec() {
    return group.equals(name) ? name : group + ":" + name;
  }

  /**
   * Returns the state; {@link ProcState#UNKNOWN} for a code Supervisor does not define.
   *
   * @param code Supervisor's numeric process state
   * @return the state; {@link ProcState#UNKNOWN} for a code Supervisor does not define
   */
  public static ProcState stateOf(int code) {
    switch (code) {
      case 0: return ProcState.STOPPED;
      case 10: return ProcState.STARTING;
      case 20: return ProcState.RUNNING;
      case 30: return ProcState.BACKOFF;
      case 40: return ProcState.STOPPING;
      case 100: return ProcState.EXITED;
      case 200: return ProcState.FATAL;
      default: return ProcState.UNKNOWN;
    }
  }
}
