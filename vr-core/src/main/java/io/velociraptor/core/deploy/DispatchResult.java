package io.velociraptor.core.deploy;

import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.plan.SwarmPlan;
import java.util.Objects;
import java.util.Optional;

/**
 * How a dispatch ended.
 *
 * @param run the persisted run, in state done or failed
 * @param plan the plan it executed (absent if it failed before planning)
 * @param confirmed whether re-observing after the run found nothing left to do
 */
public record DispatchResult(SwarmRun run, Optional<SwarmPlan> plan, boolean confirmed) {
  /**
   * Checks the parts are present.
   * @param run the run
   * @param plan the plan
   * @param confirmed the confirmed
   */
  public DispatchResult {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(plan, "plan");
  }

  /** Whether the run finished in state done. */
  public boolean succeeded() {
    return run.state() == io.velociraptor.core.model.RunState.DONE;
  }
}
