package io.velociraptor.core.plan;

/** Why a plan stops a proc. */
public enum StopReason {
  /** The swarm has more current procs than it wants (shrunk, or one per host found two). */
  EXCESS,
  /** Same swarm and identity, but another release hash or version. */
  OLD_RELEASE,
  /** Carries the swarm's id but another app, proc name, config name or squad. */
  PREVIOUS_MANIFESTATION,
  /** Of the current release but not up (stopped, exited, fatal, stopping or unknown). */
  FAILED,
  /** The swarm is being deleted. */
  SWARM_DELETED,
  /** Current, but the policy restarts it ({@link PlanPolicy#restart()}): a new proc takes over. */
  RESTARTED
}
