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

  /** @return the swarm's stable id */
  SwarmId swarmId();

  /** @return the swarm's name, {@code app-config-proc} */
  String swarmName();

  /** @return the swarm's squad */
  SquadName squad();

  /** @return the desired release hash */
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

  /** @return the desired version */
  Version version();

  /** @return how many current procs the swarm wants (the number of eligible hosts for one per host, 0 when deleting) */
  int target();

  /** @return whether the swarm runs one proc per reachable active host */
  boolean onePerHost();

  /** @return whether the swarm is being deleted */
  boolean deleting();

  /** @return the swarm's pool, if it is routed */
  Optional<PoolRef> pool();

  /** @return whether the pool's current members were known, so route lists are exact */
  boolean routingKnown();

  /** @return procs to start, sorted by host and port */
  List<Start> starts();

  /** @return procs to stop, sorted by host and name */
  List<Stop> stops();

  /** @return procs of the swarm left running, sorted by host and name */
  List<Keep> keeps();

  /** @return pool members to add, sorted */
  List<RouteChange> routeAdds();

  /** @return pool members to remove, sorted */
  List<RouteChange> routeRemoves();

  /** @return procs the swarm wants but that could not be placed, with why */
  List<Unplaced> unplaced();

  /** @return hosts that matter to the swarm but could not be observed, sorted */
  List<UnreachableHost> unreachable();

  /** @return the starts that replace a proc, keyed by the proc each retires, sorted */
  @JsonIgnore
  default Map<ProcRef, Start> replacements() {
    Map<ProcRef, Start> out = new TreeMap<>();
    for (Start s : starts()) {
      s.replaces().ifPresent(old -> out.put(old, s));
    }
    return out;
  }

  /** @return whether the plan changes nothing: no start, stop or route change (reports may remain) */
  @JsonIgnore
  default boolean isNoop() {
    return starts().isEmpty() && stops().isEmpty() && routeAdds().isEmpty() && routeRemoves().isEmpty();
  }

  /** @return {@link #EXIT_NO_CHANGE} for a no-op, else {@link #EXIT_CHANGES} */
  @JsonIgnore
  default int exitCode() {
    return isNoop() ? EXIT_NO_CHANGE : EXIT_CHANGES;
  }

  /** @return the plan's counts */
  @JsonIgnore
  default PlanSummary summary() {
    int unplaced = 0;
    for (Unplaced u : unplaced()) {
      unplaced += u.count();
    }
    return new PlanSummary(starts().size(), replacements().size(), stops().size(), keeps().size(),
        routeAdds().size(), routeRemoves().size(), unplaced, unreachable().size());
  }

  /** @return the plan for people, in the spirit of {@code nomad job plan} */
  default String render() {
    return PlanRenderer.render(this);
  }

  /** @return a builder (for tests and tools that hand-craft plans; the planner builds its own) */
  static ImmutableSwarmPlan.Builder builder() {
    return ImmutableSwarmPlan.builder();
  }
}
