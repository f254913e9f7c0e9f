package io.velociraptor.core.plan;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.UpdatePolicy;
import java.util.Objects;

/**
 * The staged planner: {@code plan(desired swarm, fleet snapshot, policy, update policy) ->
 * RolloutPlan}, the single diff of {@link Planner#plan} cut into waves. Pure, total and
 * deterministic like the planner: it reuses the planner's placement, ports and pairing, and only
 * decides which wave each action belongs to. The rules are in {@code docs/rollouts.md}.
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  /**
   * Plans the swarm's whole diff and cuts it into waves by that update policy.
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot the fleet
   * @param policy deleting or not, and fresh pool members
   * @param update how to roll
   * @return the staged plan
   * @throws NullPointerException if an argument is null
   */
  public static RolloutPlan plan(DesiredSwarm desired, FleetSnapshot snapshot, PlanPolicy policy, UpdatePolicy update) {
    Objects.requireNonNull(update, "update");
    SwarmPlan whole = Planner.plan(desired, snapshot, policy);
    return new RolloutComputation(whole, snapshot, update).run();
  }

  /**
   * Rolls by the swarm's own policy ({@code update}, or the default: one wave).
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot the fleet
   * @param policy deleting or not, and fresh pool members
   * @return the staged plan
   * @throws NullPointerException if an argument is null
   */
  public static RolloutPlan plan(DesiredSwarm desired, FleetSnapshot snapshot, PlanPolicy policy) {
    Objects.requireNonNull(desired, "desired");
    return plan(desired, snapshot, policy, desired.swarm().updatePolicy());
  }

  /**
   * Cuts a plan already made into waves (for a caller that planned and now wants the stages).
   *
   * @param plan the single diff, made from {@code snapshot}
   * @param snapshot the fleet it was made from
   * @param update how to roll
   * @return the staged plan
   * @throws NullPointerException if an argument is null
   */
  public static RolloutPlan stage(SwarmPlan plan, FleetSnapshot snapshot, UpdatePolicy update) {
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(update, "update");
    return new RolloutComputation(plan, snapshot, update).run();
  }
}
