package io.velociraptor.core.plan;

/** Why a plan keeps a proc. */
public enum KeepReason {
  /** A running proc of the desired release, identity and squad. */
  CURRENT,
  /**
   * An in-service proc that should be retired, kept serving because its replacement could not be
   * placed (see the plan's unplaced list).
   */
  AWAITING_REPLACEMENT
}
