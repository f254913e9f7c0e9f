package io.velociraptor.core.deploy;

import java.time.Instant;
import java.util.List;

/**
 * What one {@link Reconciler} pass did: the runs it began and the swarms it left alone, with why.
 *
 * @param at when the pass began (the reconciler's clock)
 * @param reason why it ran ({@code interval}, {@code run by hand}, {@code nudged: ...})
 * @param actions the runs begun, in swarm-name order
 * @param skipped the swarms that needed something but were left alone, in swarm-name order
 * @param housekeeping whether the pass did housekeeping
 */
public record ReconcilePass(Instant at, String reason, List<ReconcileEvent.Action> actions,
    List<ReconcileEvent.Skipped> skipped, boolean housekeeping) {
  /**
   * Copies the lists.
   *
   * @param at when the pass began
   * @param reason why it ran
   * @param actions the runs begun
   * @param skipped the swarms left alone
   * @param housekeeping whether it did housekeeping
   */
  public ReconcilePass {
    actions = List.copyOf(actions);
    skipped = List.copyOf(skipped);
  }
}
