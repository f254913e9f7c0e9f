package io.velociraptor.core.plan;

/** Why a plan starts a proc. */
public enum StartReason {
  /** The swarm has fewer current procs than it wants. */
  MISSING,
  /** It takes over from a proc of an old release, a previous manifestation, or a failed proc. */
  REPLACEMENT
}
