package io.velociraptor.core.deploy;

import io.velociraptor.core.model.HostName;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link Reconciler} knows now: when it last ran, each stored swarm's state, and the hosts
 * it has lost. A snapshot, serializable as JSON.
 *
 * @param running whether its scheduler thread runs passes
 * @param paused whether passes are paused (they observe nothing and act on nothing)
 * @param interval the time between two passes
 * @param hostGrace how long a host may be lost before its procs are re-placed
 * @param lastPass when the last pass ran, if one has
 * @param lastPassReason why it ran: {@code interval}, {@code run by hand}, or {@code nudged: } and
 *     the reasons of the nudges it served (e.g. {@code nudged: supervisor: PROCESS_STATE_FATAL web-1})
 * @param lastHousekeeping when housekeeping last ran, if it has
 * @param swarms each stored swarm the reconciler has seen, by name
 * @param hostsLost each host unreachable now, by name
 */
public record ReconcilerStatus(boolean running, boolean paused, Duration interval, Duration hostGrace,
    Optional<Instant> lastPass, Optional<String> lastPassReason, Optional<Instant> lastHousekeeping,
    List<SwarmState> swarms, List<LostHost> hostsLost) {
  /**
   * Copies the lists.
   *
   * @param running whether passes run
   * @param paused whether passes are paused
   * @param interval the time between two passes
   * @param hostGrace the host grace period
   * @param lastPass the last pass
   * @param lastPassReason why the last pass ran
   * @param lastHousekeeping the last housekeeping
   * @param swarms each swarm's state
   * @param hostsLost each lost host
   */
  public ReconcilerStatus {
    swarms = List.copyOf(swarms);
    hostsLost = List.copyOf(hostsLost);
  }

  /**
   * One swarm as the reconciler sees it.
   *
   * @param swarmId the swarm's id
   * @param swarm the swarm's name
   * @param failures reconcile runs that failed in a row
   * @param backoffUntil when the next reconcile run may begin, while backing off
   * @param held why the swarm is not reconciled until someone dispatches it, when a reconcile run
   *     of its release failed while starting or uptesting its procs
   * @param lastAction the last reconcile run's reason and outcome
   * @param lastActionAt when it ended
   * @param lastFailure why the last failed reconcile run failed
   * @param skipped why the last pass left it alone, when it did
   * @param lastUptest when its procs were last uptested periodically
   */
  public record SwarmState(String swarmId, String swarm, int failures, Optional<Instant> backoffUntil,
      Optional<String> held, Optional<String> lastAction, Optional<Instant> lastActionAt, Optional<String> lastFailure,
      Optional<String> skipped, Optional<Instant> lastUptest) {}

  /**
   * A host that does not answer.
   *
   * @param host the host
   * @param since when it was first seen unreachable
   * @param reason why it could not be observed
   */
  public record LostHost(HostName host, Instant since, String reason) {}
}
