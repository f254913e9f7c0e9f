package io.velociraptor.core.deploy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.spi.UptestResult;
import java.time.Instant;
import java.util.List;

/**
 * What a dispatch reports as it goes. Every event carries the run id and when it happened; on
 * the wire (JSON lines) the {@code type} field names the kind.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = DispatchEvent.RunStarted.class, name = "run_started"),
    @JsonSubTypes.Type(value = DispatchEvent.StateChanged.class, name = "state_changed"),
    @JsonSubTypes.Type(value = DispatchEvent.BuildStarted.class, name = "build_started"),
    @JsonSubTypes.Type(value = DispatchEvent.BuildLog.class, name = "build_log"),
    @JsonSubTypes.Type(value = DispatchEvent.BuildFinished.class, name = "build_finished"),
    @JsonSubTypes.Type(value = DispatchEvent.Planned.class, name = "planned"),
    @JsonSubTypes.Type(value = DispatchEvent.ProcStarting.class, name = "proc_starting"),
    @JsonSubTypes.Type(value = DispatchEvent.ProcStarted.class, name = "proc_started"),
    @JsonSubTypes.Type(value = DispatchEvent.ProcFailed.class, name = "proc_failed"),
    @JsonSubTypes.Type(value = DispatchEvent.UptestPassed.class, name = "uptest_passed"),
    @JsonSubTypes.Type(value = DispatchEvent.UptestFailed.class, name = "uptest_failed"),
    @JsonSubTypes.Type(value = DispatchEvent.Routed.class, name = "routed"),
    @JsonSubTypes.Type(value = DispatchEvent.Unrouted.class, name = "unrouted"),
    @JsonSubTypes.Type(value = DispatchEvent.ProcStopped.class, name = "proc_stopped"),
    @JsonSubTypes.Type(value = DispatchEvent.WaveStarted.class, name = "wave_started"),
    @JsonSubTypes.Type(value = DispatchEvent.WaveDone.class, name = "wave_done"),
    @JsonSubTypes.Type(value = DispatchEvent.Warning.class, name = "warning"),
    @JsonSubTypes.Type(value = DispatchEvent.RunPaused.class, name = "run_paused"),
    @JsonSubTypes.Type(value = DispatchEvent.RunDone.class, name = "run_done"),
    @JsonSubTypes.Type(value = DispatchEvent.RunFailed.class, name = "run_failed")})
public sealed interface DispatchEvent {
  /** The run this event belongs to. */
  String runId();

  /** When it happened. */
  Instant at();

  /** One human line describing the event. */
  String describe();

  /**
   * A run began.
   *
   * @param runId the run
   * @param at when
   * @param swarm the swarm's name
   * @param swarmId the swarm's id
   * @param traceId the trace id
   */
  record RunStarted(String runId, Instant at, String swarm, String swarmId, String traceId) implements DispatchEvent {
    @Override
    public String describe() {
      return "run " + runId + " started for swarm " + swarm + " (" + swarmId + ")";
    }
  }

  /**
   * The run moved to a new state.
   *
   * @param runId the run
   * @param at when
   * @param state the new state
   * @param message why
   */
  record StateChanged(String runId, Instant at, RunState state, String message) implements DispatchEvent {
    @Override
    public String describe() {
      return state.wire() + ": " + message;
    }
  }

  /**
   * A build began.
   *
   * @param runId the run
   * @param at when
   * @param app the app
   * @param version the version
   */
  record BuildStarted(String runId, Instant at, String app, String version) implements DispatchEvent {
    @Override
    public String describe() {
      return "building " + app + " " + version;
    }
  }

  /**
   * A line of the build's log.
   *
   * @param runId the run
   * @param at when
   * @param line the line
   */
  record BuildLog(String runId, Instant at, String line) implements DispatchEvent {
    @Override
    public String describe() {
      return "  | " + line;
    }
  }

  /**
   * A build ended.
   *
   * @param runId the run
   * @param at when
   * @param app the app
   * @param version the version
   * @param status how it ended
   * @param sha256 the tarball's hash, empty if it failed
   */
  record BuildFinished(String runId, Instant at, String app, String version, BuildStatus status, String sha256)
      implements DispatchEvent {
    @Override
    public String describe() {
      return "build of " + app + " " + version + " " + status.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The plan was made.
   *
   * @param runId the run
   * @param at when
   * @param summary the plan's one-line summary
   * @param rendering the human rendering
   */
  record Planned(String runId, Instant at, String summary, String rendering) implements DispatchEvent {
    @Override
    public String describe() {
      return "plan: " + summary;
    }
  }

  /**
   * A proc is being set up and started.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   * @param port its port
   */
  record ProcStarting(String runId, Instant at, HostName host, String proc, int port) implements DispatchEvent {
    @Override
    public String describe() {
      return "starting " + proc + " on " + host + ":" + port;
    }
  }

  /**
   * A proc is running.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   */
  record ProcStarted(String runId, Instant at, HostName host, String proc) implements DispatchEvent {
    @Override
    public String describe() {
      return "started " + proc + " on " + host;
    }
  }

  /**
   * A proc could not be set up or started.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   * @param reason why
   */
  record ProcFailed(String runId, Instant at, HostName host, String proc, String reason) implements DispatchEvent {
    @Override
    public String describe() {
      return "FAILED " + proc + " on " + host + ": " + reason;
    }
  }

  /**
   * A proc passed its uptests.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   * @param results each test's result
   */
  record UptestPassed(String runId, Instant at, HostName host, String proc, List<UptestResult> results)
      implements DispatchEvent {
    @Override
    public String describe() {
      return "uptests passed for " + proc + " on " + host + " (" + results.size() + " test" + (results.size() == 1 ? "" : "s") + ")";
    }
  }

  /**
   * A proc failed its uptests.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   * @param results each test's result, with output
   */
  record UptestFailed(String runId, Instant at, HostName host, String proc, List<UptestResult> results)
      implements DispatchEvent {
    @Override
    public String describe() {
      StringBuilder out = new StringBuilder("uptests FAILED for " + proc + " on " + host);
      for (UptestResult r : results) {
        if (!r.passed()) {
          out.append("\n  ").append(r.name()).append(": ").append(r.output().strip());
        }
      }
      return out.toString();
    }
  }

  /**
   * A member was added to a pool.
   *
   * @param runId the run
   * @param at when
   * @param pool the balancer and pool, {@code balancer/pool}
   * @param member the member
   */
  record Routed(String runId, Instant at, String pool, PoolMember member) implements DispatchEvent {
    @Override
    public String describe() {
      return "routed " + pool + " to " + member;
    }
  }

  /**
   * A member was removed from a pool.
   *
   * @param runId the run
   * @param at when
   * @param pool the balancer and pool
   * @param member the member
   */
  record Unrouted(String runId, Instant at, String pool, PoolMember member) implements DispatchEvent {
    @Override
    public String describe() {
      return "removed " + member + " from " + pool;
    }
  }

  /**
   * A proc was stopped and torn down.
   *
   * @param runId the run
   * @param at when
   * @param host the host
   * @param proc the program name
   * @param reason why it was stopped
   */
  record ProcStopped(String runId, Instant at, HostName host, String proc, String reason) implements DispatchEvent {
    @Override
    public String describe() {
      return "stopped " + proc + " on " + host + " (" + reason + ")";
    }
  }

  /**
   * Something the operator should know that does not fail the run (an unreachable host, a proc
   * that could not be torn down and will be retried by the next dispatch).
   *
   * @param runId the run
   * @param at when
   * @param message what
   */
  record Warning(String runId, Instant at, String message) implements DispatchEvent {
    @Override
    public String describe() {
      return "warning: " + message;
    }
  }

  /**
   * The run finished.
   *
   * @param runId the run
   * @param at when
   * @param summary what it did
   */
  record RunDone(String runId, Instant at, String summary) implements DispatchEvent {
    @Override
    public String describe() {
      return "done: " + summary;
    }
  }

  /**
   * The run failed.
   *
   * @param runId the run
   * @param at when
   * @param state the state it failed in
   * @param reason why
   */
  record RunFailed(String runId, Instant at, RunState state, String reason) implements DispatchEvent {
    @Override
    public String describe() {
      return "FAILED in " + state.wire() + ": " + reason;
    }
  }

  /**
   * A wave of a rollout of several waves began.
   *
   * @param runId the run
   * @param at when
   * @param wave its number, from 1
   * @param waves how many the rollout has
   * @param summary what it does ({@code +1 -1, 3 in service})
   */
  record WaveStarted(String runId, Instant at, int wave, int waves, String summary) implements DispatchEvent {
    @Override
    public String describe() {
      return "wave " + wave + "/" + waves + ": " + summary;
    }
  }

  /**
   * A wave of a rollout of several waves passed: its procs serve, its old procs are stopped.
   *
   * @param runId the run
   * @param at when
   * @param wave its number, from 1
   * @param waves how many the rollout has
   * @param summary what it did
   */
  record WaveDone(String runId, Instant at, int wave, int waves, String summary) implements DispatchEvent {
    @Override
    public String describe() {
      return "wave " + wave + "/" + waves + " done: " + summary;
    }
  }

  /**
   * The run paused after its canary wave, in state {@code canary}, until a promote or a revert.
   *
   * @param runId the run
   * @param at when
   * @param message what serves and how to go on
   */
  record RunPaused(String runId, Instant at, String message) implements DispatchEvent {
    @Override
    public String describe() {
      return "paused: " + message;
    }
  }
}
