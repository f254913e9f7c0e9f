package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a swarm run is. A run moves forward through {@code pending, building, deploying,
 * uptesting, routing, cleaning} (skipping states it does not need) and ends {@code done},
 * {@code failed} or {@code reverted}; a finished run never changes again. A rollout with canaries pauses in
 * {@code canary} after its first wave, and resumes from there (a promote or a revert plans
 * again from {@code pending}). Serialized in lowercase.
 */
public enum RunState {
  /** Created, nothing done yet. */
  PENDING,
  /** Waiting for or running the build. */
  BUILDING,
  /** Reserving ports, delivering the build, installing and starting new procs. */
  DEPLOYING,
  /** Running the new procs' uptests. */
  UPTESTING,
  /** Adding new procs to the pool and removing old ones. */
  ROUTING,
  /** Stopping and tearing down old procs, releasing port locks. */
  CLEANING,
  /**
   * Paused after a canary wave, waiting for {@code vr promote} or {@code vr revert}: the run stays
   * live (the swarm takes no other dispatch) but holds no port locks and has no owner at work.
   */
  CANARY,
  /** Finished: the swarm is as asked. */
  DONE,
  /** Finished without reaching the asked state; the run says why. */
  FAILED,
  /**
   * Finished by {@code vr revert} of its canaries: they were retired and the swarm runs what it
   * ran before the run; the run's release did not roll out.
   */
  REVERTED;

  /** The lowercase wire form, e.g. {@code uptesting}. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a state's wire name.
   *
   * @param text a state's wire form, any case
   * @return the state
   * @throws InvalidValueException naming the text if it is no run state
   */
  @JsonCreator
  public static RunState parse(String text) {
    Names.requireText("run state", text);
    for (RunState s : values()) {
      if (s.wire().equalsIgnoreCase(text)) {
        return s;
      }
    }
    throw InvalidValueException.of("run state", text,
        "must be one of pending, building, deploying, uptesting, routing, cleaning, canary, done, failed, reverted");
  }

  /** Whether the run is over ({@code done}, {@code failed} or {@code reverted}). */
  public boolean isTerminal() {
    return this == DONE || this == FAILED || this == REVERTED;
  }

  /** Whether the run is paused for an operator ({@code canary}): never stale, whoever began it. */
  public boolean isPaused() {
    return this == CANARY;
  }

  /**
   * The state machine: from a live state a run may stay, move forward (skipping states), finish
   * {@code done} or fail; a paused ({@code canary}) run may resume in any state (a promote or a
   * revert begins again at {@code pending}); a finished run may not move at all.
   *
   * @param next the state asked for
   * @return whether a run in this state may move to {@code next}
   */
  public boolean canMoveTo(RunState next) {
    if (isTerminal()) {
      return false;
    }
    if (this == CANARY) {
      return true; // a promote or a revert plans again from the start
    }
    return next.isTerminal() || next.ordinal() >= ordinal();
  }

  /** The state's wire name, as {@link #wire()}. */
  @Override
  public String toString() {
    return wire();
  }
}
