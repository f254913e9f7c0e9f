package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.immutables.value.Value;

/**
 * One dispatch of a swarm, as persisted by the store: its state, when it started and last
 * changed, the trace id, the plan it executed (JSON text), the result of every step, the history
 * of its state changes, why it failed, and the process that owns it (so a store can tell a run
 * whose dispatcher died from one still going).
 *
 * <p>The {@code with...} methods are the only way a run changes; they take the time from the
 * caller (the model reads no clock) and refuse to change a finished run.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableSwarmRun.class)
@JsonDeserialize(as = ImmutableSwarmRun.class)
public interface SwarmRun {
  /** What a run id looks like: 1 to 100 of {@code [A-Za-z0-9_.-]}, starting with a letter or digit. */
  Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  /**
   * The process that runs a dispatch.
   *
   * @param host the machine's host name, for people
   * @param bootId the machine's boot id ({@code /proc/sys/kernel/random/boot_id}): the same
   *     boot id means the same machine since its last reboot, so {@code pid} can be checked
   * @param pid the process id
   * @param processStartedAt when that process started, so a reused pid is not taken for it
   */
  record Owner(String host, String bootId, long pid, Optional<Instant> processStartedAt) {
    /**
     * @throws InvalidValueException if host or boot id is empty or the pid not positive
     * @param processStartedAt the process started at
     * @param pid the pid
     * @param host the host
     * @param bootId the boot id
     */
    public Owner {
      Checks.text("run owner host", host);
      Checks.text("run owner boot id", bootId);
      if (pid <= 0) {
        throw InvalidValueException.of("run owner pid", pid, "must be positive");
      }
      Objects.requireNonNull(processStartedAt, "processStartedAt");
    }

    @Override
    public String toString() {
      return "pid " + pid + " on " + host;
    }
  }

  /**
   * One state change.
   *
   * @param at when
   * @param state the state entered
   * @param message why, for people
   */
  record Transition(Instant at, RunState state, String message) {
    /**
     * @throws NullPointerException if a field is missing
     * @param state the state
     * @param message the message
     * @param at the at
     */
    public Transition {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(message, "message");
    }
  }

  /** The run's id, unique in its store. */
  String id();

  /** The swarm dispatched. */
  SwarmId swarmId();

  /** The current state. */
  RunState state();

  /** The trace id that ties events, logs and this run together. */
  String traceId();

  /** When the run was created. */
  Instant createdAt();

  /** When it last changed (a heartbeat counts): what staleness is judged by. */
  Instant updatedAt();

  /** When it finished, once done or failed. */
  Optional<Instant> finishedAt();

  /** The plan it executes, as JSON text, once planned. */
  Optional<String> plan();

  /** The steps' results, in the order recorded. */
  List<RunStep> steps();

  /** Every state change, oldest first; the first is {@code pending}. */
  List<Transition> history();

  /** Why it failed, when it did. */
  Optional<String> failureReason();

  /**
   * The swarm this run dispatches (or deletes), as it was given: what a promote continues and a
   * rollback dispatches again. Absent on runs recorded before vr kept it.
   */
  Optional<Swarm> swarm();

  /**
   * The release this run rolls out, once resolved (after the build); absent for a delete and for
   * a run that failed before it had a release.
   */
  Optional<ReleaseHash> release();

  /** The process running it. */
  Owner owner();

  /**
   * A new run in state {@code pending}.
   *
   * @param id the run id
   * @param swarm the swarm
   * @param traceId the trace id
   * @param owner the process that runs it
   * @param now the time
   * @return the run
   * @throws InvalidValueException if the id or trace id is malformed
   */
  static SwarmRun begin(String id, SwarmId swarm, String traceId, Owner owner, Instant now) {
    return ImmutableSwarmRun.builder()
        .id(id)
        .swarmId(swarm)
        .state(RunState.PENDING)
        .traceId(traceId)
        .createdAt(now)
        .updatedAt(now)
        .owner(owner)
        .addHistory(new Transition(now, RunState.PENDING, "run created"))
        .build();
  }

  /**
   * Moves the run to another state. Failing sets {@link #failureReason()} to the message; a
   * finished run gets {@link #finishedAt()}. Moving to the current state only records the
   * message.
   *
   * @param next the state
   * @param message why, for people
   * @param now the time
   * @return the changed run
   * @throws InvalidValueException naming the run and both states if the state machine forbids it
   */
  default SwarmRun withState(RunState next, String message, Instant now) {
    if (!state().canMoveTo(next)) {
      throw InvalidValueException.of("run state", next, "run " + id() + " is " + state()
          + (state().isTerminal() ? " and a finished run cannot change" : " and runs only move forward"));
    }
    ImmutableSwarmRun.Builder b = ImmutableSwarmRun.builder().from(this)
        .state(next)
        .updatedAt(now)
        .addHistory(new Transition(now, next, message));
    if (next.isTerminal()) {
      b.finishedAt(now);
    }
    if (next == RunState.FAILED) {
      b.failureReason(message);
    }
    return b.build();
  }

  /**
   * Returns the run with the step appended.
   *
   * @param step a step's result
   * @param now the time
   * @return the run with the step appended
   * @throws InvalidValueException if the run is finished
   */
  default SwarmRun withStep(RunStep step, Instant now) {
    requireLive("record a step");
    return ImmutableSwarmRun.builder().from(this).addSteps(step).updatedAt(now).build();
  }

  /**
   * Returns the run with the plan set (replacing an earlier one).
   *
   * @param planJson the plan, as JSON text
   * @param now the time
   * @return the run with the plan set (replacing an earlier one)
   * @throws InvalidValueException if the run is finished
   */
  default SwarmRun withPlan(String planJson, Instant now) {
    requireLive("record a plan");
    return ImmutableSwarmRun.builder().from(this).plan(planJson).updatedAt(now).build();
  }

  /**
   * Returns the run with what it dispatches recorded.
   *
   * @param swarm the swarm as given
   * @param release the release it rolls out, if it has one
   * @param now the time
   * @return the run with what it dispatches recorded
   * @throws InvalidValueException if the run is finished, or the swarm is not the run's
   */
  default SwarmRun withTarget(Swarm swarm, Optional<ReleaseHash> release, Instant now) {
    requireLive("record what it dispatches");
    if (!swarm.id().equals(swarmId())) {
      throw InvalidValueException.of("run swarm", swarm.id(), "is not the swarm of run " + id() + " (" + swarmId() + ")");
    }
    return ImmutableSwarmRun.builder().from(this).swarm(swarm).release(release).updatedAt(now).build();
  }

  /**
   * Returns the paused run resumed by a new owner in a new state.
   *
   * @param by the process that resumes it
   * @param next the state it resumes in
   * @param message why
   * @param now the time
   * @return the paused run resumed by a new owner in a new state
   * @throws InvalidValueException if the run is not paused
   */
  default SwarmRun resumedBy(Owner by, RunState next, String message, Instant now) {
    if (!state().isPaused()) {
      throw InvalidValueException.of("run", id(), "is " + state() + ", not paused in canary: only a paused run resumes");
    }
    return ImmutableSwarmRun.builder().from(withState(next, message, now)).owner(by).build();
  }

  /**
   * Returns the run with {@link #updatedAt()} moved to now, to show its owner is still at work.
   *
   * @param now the time
   * @return the run with {@link #updatedAt()} moved to now, to show its owner is still at work
   * @throws InvalidValueException if the run is finished
   */
  default SwarmRun withHeartbeat(Instant now) {
    requireLive("heartbeat");
    return ImmutableSwarmRun.builder().from(this).updatedAt(now).build();
  }

  private void requireLive(String what) {
    if (state().isTerminal()) {
      throw InvalidValueException.of("run", id(), "is " + state() + "; a finished run cannot " + what);
    }
  }

  /** A new builder for a {@link SwarmRun}. */
  static ImmutableSwarmRun.Builder builder() {
    return ImmutableSwarmRun.builder();
  }

  /** Checks the id and trace id, and that history and state agree. */
  @Value.Check
  default void check() {
    Names.requireText("run id", id());
    if (!ID.matcher(id()).matches()) {
      throw InvalidValueException.of("run id", id(),
          "use 1 to 100 of A-Z a-z 0-9 _ . - starting with a letter or digit");
    }
    Checks.text("trace id", traceId());
    if (updatedAt().isBefore(createdAt())) {
      throw InvalidValueException.of("run updated_at", updatedAt(), "is before created_at " + createdAt());
    }
    if (state().isTerminal() != finishedAt().isPresent()) {
      throw InvalidValueException.of("run finished_at", finishedAt(), "is set exactly when the run is done or failed");
    }
  }
}
