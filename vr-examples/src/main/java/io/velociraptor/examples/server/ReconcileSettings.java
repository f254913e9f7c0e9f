package io.velociraptor.examples.server;

import java.time.Duration;

/**
 * The reconciler's schedule.
 *
 * @param interval how often it observes the fleet
 * @param hostGrace how long a host may be unreachable before its procs are re-placed
 * @param uptestInterval how often running, routed procs are uptested
 * @param uptestFailures how many failures in a row replace a proc
 */
public record ReconcileSettings(Duration interval, Duration hostGrace, Duration uptestInterval, int uptestFailures) {
  /** @return 10 s, 60 s, 60 s, 3 */
  public static ReconcileSettings defaults() {
    return new ReconcileSettings(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60), 3);
  }
}
