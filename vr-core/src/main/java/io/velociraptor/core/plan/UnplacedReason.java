package io.velociraptor.core.plan;

/** Why the plan could not place a proc. */
public enum UnplacedReason {
  /** The squad has no reachable active host (or is not in the snapshot). */
  NO_ELIGIBLE_HOST,
  /** Every eligible host's port range is used up by procs, port locks and this plan's starts. */
  PORTS_EXHAUSTED
}
