package io.velociraptor.core.plan;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolState;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import org.immutables.value.Value;

/**
 * How to plan: whether the swarm is being deleted, which current procs to restart anyway, and
 * pools' current members when the caller asked the balancer just now (they win over the
 * snapshot's members of the same pool). When
 * neither knows the swarm's pool, the plan routes blind: it adds its new procs and removes the
 * procs it stops, and says {@link SwarmPlan#routingKnown()} is false.
 */
@Value.Immutable
@JsonSerialize(as = ImmutablePlanPolicy.class)
@JsonDeserialize(as = ImmutablePlanPolicy.class)
public interface PlanPolicy {
  /** Whether every proc of the swarm is to be retired and its pool emptied. */
  @Value.Default
  default boolean deleting() {
    return false;
  }

  /**
   * Procs to replace even though they are current: each is retired ({@link StopReason#RESTARTED})
   * and replaced by a new proc of the same release on a free port ({@link StartReason#RESTART}),
   * paired like a release change, so a rollout stops it only after its replacement serves. A proc
   * named here that is not a current proc of the swarm (gone, failed, of another release) is
   * planned as without it.
   */
  @Value.NaturalOrder
  SortedSet<ProcRef> restart();

  /** Pools as the balancer reports them now; each wins over the snapshot's same pool. */
  List<PoolState> pools();

  /** The default policy: not deleting, pool members from the snapshot. */
  static PlanPolicy defaults() {
    return ImmutablePlanPolicy.builder().build();
  }

  /** The policy for deleting the swarm. */
  static PlanPolicy deletingSwarm() {
    return ImmutablePlanPolicy.builder().deleting(true).build();
  }

  /**
   * The policy for a rolling restart: those procs are replaced by new ones of the same release.
   *
   * @param procs the procs to restart (typically every proc the swarm runs now)
   * @return the policy
   */
  static PlanPolicy restarting(Collection<ProcRef> procs) {
    return ImmutablePlanPolicy.builder().addAllRestart(procs).build();
  }

  /** A new builder for a {@link PlanPolicy}. */
  static ImmutablePlanPolicy.Builder builder() {
    return ImmutablePlanPolicy.builder();
  }

  /**
   * Checks that no pool is listed twice (which copy would win would depend on list order), and
   * that a policy that deletes restarts nothing.
   *
   * @throws InvalidValueException naming the pool listed twice, or a proc to restart while deleting
   */
  @Value.Check
  default void check() {
    if (deleting() && !restart().isEmpty()) {
      throw InvalidValueException.of("policy restart", restart().first(), "cannot be restarted: the swarm is being deleted");
    }
    Set<PoolRef> seen = new HashSet<>();
    for (PoolState p : pools()) {
      if (!seen.add(PoolRef.of(p.balancer(), p.pool()))) {
        throw InvalidValueException.of("policy pool", p.balancer() + "/" + p.pool(), "is listed twice");
      }
    }
  }
}
