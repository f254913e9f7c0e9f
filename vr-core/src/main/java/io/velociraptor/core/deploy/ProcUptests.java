package io.velociraptor.core.deploy;

import io.velociraptor.core.model.HostName;
import java.time.Instant;
import java.util.List;

/**
 * The recent periodic uptests of one proc, newest last, as a {@link Reconciler} ran them.
 *
 * @param swarmId the proc's swarm
 * @param host the proc's host
 * @param proc the proc's program name
 * @param consecutiveFailures how many of its latest uptests failed in a row (0 after a pass)
 * @param recent its latest results, at most {@link #KEPT}, oldest first
 */
public record ProcUptests(String swarmId, HostName host, String proc, int consecutiveFailures, List<Check> recent) {
  /** How many results are kept per proc. */
  public static final int KEPT = 20;

  /**
   * Copies the results.
   *
   * @param swarmId the proc's swarm
   * @param host the proc's host
   * @param proc the proc's program name
   * @param consecutiveFailures failures in a row
   * @param recent its latest results
   */
  public ProcUptests {
    recent = List.copyOf(recent);
  }

  /**
   * One periodic uptest of the proc: all its tests together.
   *
   * @param at when it ran
   * @param passed whether every test passed
   * @param output the failed tests' names and output, cut short (empty when it passed)
   */
  public record Check(Instant at, boolean passed, String output) {}
}
