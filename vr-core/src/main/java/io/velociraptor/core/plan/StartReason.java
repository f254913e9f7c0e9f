package io.velociraptor.core.plan;

/** Why a plan starts a proc. */
public enum StartReason {
  /** The swarm has fewer current procs than it wants. */
  MISSING,
  /** It takes over from a proc of an old release, a previous manifestation, or a failed proc. */
  REPLACEMENT,
  /** It takes over from a current proc the policy restarts ({@link PlanPolicy#restart()}). */
  RESTART;

  /** Whether a start for this reason names the proc it retires. */
  public boolean replaces() {
    return this != MISSING;
  }
}
