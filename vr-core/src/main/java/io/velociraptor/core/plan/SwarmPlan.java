package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.immutables.value.Value;

/**
 * The proc diff for one swarm: named lists, each entry with its reason, every list sorted. A
 * dispatcher executes it in this order: {@link #starts()}, uptests of the starts,
 * {@link #routeAdds()}, {@link #routeRemoves()}, {@link #stops()}. {@link #unplaced()} and
 * {@link #unreachable()} are reports, not actions. Its JSON form (snake_case) is written and read
 * with {@code VrJson.writeJson(plan)} and {@code VrJson.readJson(text, SwarmPlan.class)}.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableSwarmPlan.class)
@JsonDeserialize(as = ImmutableSwarmPlan.class)
public interface SwarmPlan {
  /** Exit code for tools: the plan changes nothing. */
  int EXIT_NO_CHANGE = 0;
  /** Exit code for tools: the plan starts, stops or reroutes something. */
  int EXIT_CHANGES = 1;
  /** Exit code for tools: the input could not be read or broke the model's rules. */
  int EXIT_INVALID_INPUT = 2;

  /** The swarm's stable id. */
  SwarmId swarmId();

  /** The swarm's name, {@code app-config-proc}. */
  String swarmName();

  /** The swarm's squad. */
  SquadName squad();

  /** The desired release hash. */
  ReleaseHash releaseHash();

  /**
   * Whether the swarm's build does not exist yet: a dispatch builds it first, so the plan cannot
   * know the release, shows {@code DesiredSwarm.PENDING_RELEASE} in the new procs' names and
   * replaces every proc of the swarm. Written to JSON only when true.
   *
   * @return whether the build is pending
   */
  @Value.Default
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  default boolean buildPending() {
    return false;
  }

  /** The desired version. */
  Version version();

  /**
   * How many current procs the swarm wants (the number of eligible hosts for one per host, 0 when
   * deleting).
   */
  int target();

  /** Whether the swarm runs one proc per reachable active host. */
  boolean onePerHost();

  /** Whether the swarm is being deleted. */
  boolean deleting();

  /** The swarm's pool, if it is routed. */
  Optional<PoolRef> pool();

  /** Whether the pool's current members were known, so route lists are exact. */
  boolean routingKnown();

  /** Procs to start, sorted by host and port. */
  List<Start> starts();

  /** Procs to stop, sorted by host and name. */
  List<Stop> stops();

  /** Procs of the swarm left running, sorted by host and name. */
  List<Keep> keeps();

  /** Pool members to add, sorted. */
  List<RouteChange> routeAdds();

  /** Pool members to remove, sorted. */
  List<RouteChange> routeRemoves();

  /** Procs the swarm wants but that could not be placed, with why. */
  List<Unplaced> unplaced();

  /** Hosts that matter to the swarm but could not be observed, sorted. */
  List<UnreachableHost> unreachable();

  /** The starts that replace a proc, keyed by the proc each retires, sorted. */
  @JsonIgnore
  default Map<ProcRef, Start> replacements() {
    Map<ProcRef, Start> out = new TreeMap<>();
    for (Start s : starts()) {
      s.replaces().ifPresent(old -> out.put(old, s));
    }
    return out;
  }

  /** Whether the plan changes nothing: no start, stop or route change (reports may remain). */
  @JsonIgnore
  default boolean isNoop() {
    return starts().isEmpty() && stops().isEmpty() && routeAdds().isEmpty() && routeRemoves().isEmpty();
  }

  /** Returns {@link #EXIT_NO_CHANGE} for a no-op, else {@link #EXIT_CHANGES}. */
  @JsonIgnore
  default int exitCode() {
    return isNoop() ? EXIT_NO_CHANGE : EXIT_CHANGES;
  }

  /** The plan's counts. */
  @JsonIgnore
  default PlanSummary summary() {
    int unplaced = 0;
    for (Unplaced u : unplaced()) {
      unplaced += u.count();
    }
    return new PlanSummary(starts().size(), replacements().size(), stops().size(), keeps().size(),
        routeAdds().size(), routeRemoves().size(), unplaced, unreachable().size());
  }

  /** The plan for people, in the spirit of {@code nomad job plan}. */
  default String render() {
    return PlanRenderer.render(this);
  }

  /** A builder (for tests and tools that hand-craft plans; the planner builds its own). */
  static ImmutableSwarmPlan.Builder builder() {
    return ImmutableSwarmPlan.builder();
  }
}
