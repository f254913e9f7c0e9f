package io.velociraptor.testkit;

import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.RolloutPlanner;
import java.util.Objects;

/**
 * One staged-planner input: a planner case and the update policy to roll it by.
 *
 * @param plan the planner input (desired swarm, fleet, policy)
 * @param update the update policy
 */
public record RolloutCase(PlanCase plan, UpdatePolicy update) {
  /**
   * A staged-planner input.
   *
   * @param plan the planner input
   * @param update the update policy
   * @throws NullPointerException if a field is null
   */
  public RolloutCase {
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(update, "update");
  }

  /** The staged planner's rollout for this case. */
  public RolloutPlan rollout() {
    return RolloutPlanner.plan(plan.desired(), plan.fleet(), plan.policy(), update);
  }

  @Override
  public String toString() {
    return plan + "  update " + RolloutGen.describe(update) + "\n";
  }
}
