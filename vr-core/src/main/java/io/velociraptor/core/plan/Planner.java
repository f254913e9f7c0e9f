package io.velociraptor.core.plan;

import io.velociraptor.core.model.FleetSnapshot;
import java.util.Objects;

/**
 * The pure planner: {@code plan(desired swarm, fleet snapshot, policy) -> SwarmPlan}. Total and
 * deterministic: no I/O, clock, randomness or threads; shuffling the input changes nothing; a
 * swarm that cannot be satisfied gives a plan that says why, never an exception. The contract,
 * rule by rule, is in {@code docs/planner.md}.
 */
public final class Planner {
  private Planner() {}

  /**
   * Plans one swarm.
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot every known host with its procs (or why it could not be observed), the
   *     squads, held port locks and pools
   * @param policy deleting or not, and pool members fresher than the snapshot's
   * @return the plan
   * @throws NullPointerException if an argument is null
   */
  public static SwarmPlan plan(DesiredSwarm desired, FleetSnapshot snapshot, PlanPolicy policy) {
    Objects.requireNonNull(desired, "desired");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(policy, "policy");
    return new PlanComputation(desired, snapshot, policy).run();
  }

  /**
   * Plans one swarm with the {@linkplain PlanPolicy#defaults() default policy}.
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot the fleet
   * @return the plan
   * @throws NullPointerException if an argument is null
   */
  public static SwarmPlan plan(DesiredSwarm desired, FleetSnapshot snapshot) {
    return plan(desired, snapshot, PlanPolicy.defaults());
  }
}
