package io.velociraptor.core.deploy;

import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.plan.SwarmPlan;
import java.util.Objects;
import java.util.Optional;

/**
 * How a dispatch ended.
 *
 * @param run the persisted run: done, failed, reverted, or paused in canary
 * @param plan the plan it executed (absent if it failed before planning)
 * @param confirmed whether re-observing after the run found nothing left to do
 * @param revert the run that dispatched the last successful release again after this one failed,
 *     when the swarm's update policy says {@code on_failure: revert}
 */
public record DispatchResult(SwarmRun run, Optional<SwarmPlan> plan, boolean confirmed, Optional<DispatchResult> revert) {
  /**
   * Checks the parts are present.
   * @param run the run
   * @param plan the plan
   * @param confirmed the confirmed
   * @param revert the revert run's result
   */
  public DispatchResult {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(revert, "revert");
  }

  /**
   * A result with no revert.
   *
   * @param run the run
   * @param plan the plan
   * @param confirmed whether re-observing found nothing left to do
   */
  public DispatchResult(SwarmRun run, Optional<SwarmPlan> plan, boolean confirmed) {
    this(run, plan, confirmed, Optional.empty());
  }

  /** Whether the run finished as asked: done (or, for a revert, reverted). */
  public boolean succeeded() {
    return run.state() == RunState.DONE || run.state() == RunState.REVERTED;
  }

  /** Whether the run paused after its canary wave, waiting for a promote or a revert. */
  public boolean paused() {
    return run.state().isPaused();
  }

  /**
   * Returns this failed result with the run that reverted it.
   *
   * @param back the revert run's result
   * @return this failed result with the run that reverted it
   */
  DispatchResult withRevert(DispatchResult back) {
    return new DispatchResult(run, plan, confirmed, Optional.of(back));
  }
}
