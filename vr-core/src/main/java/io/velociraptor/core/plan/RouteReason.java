package io.velociraptor.core.plan;

/** Why a plan changes a pool. */
public enum RouteReason {
  /** Add: a proc this plan starts. */
  NEW_PROC,
  /** Add: a kept current proc the pool lacks (a previous dispatch stopped before routing). */
  KEPT_NOT_ROUTED,
  /** Remove: a proc of this swarm that the plan stops. */
  STOPPED_PROC,
  /** Remove: a member that is no proc this swarm keeps or starts. */
  NOT_IN_SWARM,
  /**
   * Remove: a member on an unreachable host (its address and a port of its range) that is not a
   * last known proc of this swarm: what it is cannot be known, and it is not one the swarm keeps.
   */
  ON_UNREACHABLE_HOST,
  /** Remove: a proc of this swarm routed into a pool the swarm no longer uses. */
  PREVIOUS_POOL
}
