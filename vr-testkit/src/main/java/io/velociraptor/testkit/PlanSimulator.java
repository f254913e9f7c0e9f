package io.velociraptor.testkit;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.PoolRef;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies a plan to a snapshot as a dispatch that fully succeeds would: every start becomes a
 * RUNNING proc, every stop disappears, route changes are applied to the pools the snapshot (or
 * the policy) knows. Pools nobody knows stay unknown. Port locks are left as they are (a dispatch
 * releases its own, which the snapshot does not hold yet). Use it in your own tests to check
 * what a plan leads to.
 */
public final class PlanSimulator {
  private PlanSimulator() {}

  /**
   * The snapshot the fleet would show after the plan: its starts running, its stops gone, its routes
   * in the pools.
   *
   * @param plan a plan
   * @param fleet the snapshot it was made from
   * @return the snapshot after the plan
   * @throws IllegalStateException if the plan cannot apply: a start on an unknown or unreachable
   *     host or with a program name already there, or a stop of a proc the snapshot lacks
   */
  public static FleetSnapshot apply(SwarmPlan plan, FleetSnapshot fleet) {
    Map<HostName, List<Start>> startsByHost = new HashMap<>();
    for (Start s : plan.starts()) {
      startsByHost.computeIfAbsent(s.host(), k -> new ArrayList<>()).add(s);
    }
    Map<HostName, List<Stop>> stopsByHost = new HashMap<>();
    for (Stop s : plan.stops()) {
      stopsByHost.computeIfAbsent(s.host(), k -> new ArrayList<>()).add(s);
    }
    Set<HostName> known = new HashSet<>();
    List<HostSnapshot> hosts = new ArrayList<>();
    for (HostSnapshot h : fleet.hosts()) {
      HostName name = h.host().name();
      known.add(name);
      List<Start> starts = startsByHost.getOrDefault(name, List.of());
      List<Stop> stops = stopsByHost.getOrDefault(name, List.of());
      if (starts.isEmpty() && stops.isEmpty()) {
        hosts.add(h);
        continue;
      }
      if (!h.reachable()) {
        throw new IllegalStateException("plan changes procs on unreachable host " + name);
      }
      TreeSet<ObservedProc> procs = new TreeSet<>(h.procs());
      for (Stop s : stops) {
        if (!procs.removeIf(p -> p.name().equals(s.name()))) {
          throw new IllegalStateException("plan stops " + s.ref() + ", which the snapshot does not have");
        }
      }
      for (Start s : starts) {
        if (!procs.add(ObservedProc.of(name, s.name(), ProcState.RUNNING))) {
          throw new IllegalStateException("plan starts " + s.ref() + ", which is already there");
        }
      }
      hosts.add(HostSnapshot.builder().from(h).procs(procs).build());
    }
    for (HostName h : startsByHost.keySet()) {
      if (!known.contains(h)) {
        throw new IllegalStateException("plan starts procs on unknown host " + h);
      }
    }
    return FleetSnapshot.builder().from(fleet).hosts(hosts).pools(applyRoutes(plan, fleet.pools())).build();
  }

  /**
   * The policy with its pools' members added and removed as the plan routes.
   *
   * @param plan a plan
   * @param policy the policy it was made with
   * @return the policy with its pools' members changed as the plan routes
   */
  public static PlanPolicy apply(SwarmPlan plan, PlanPolicy policy) {
    return PlanPolicy.builder().from(policy).pools(applyRoutes(plan, policy.pools())).build();
  }

  private static List<PoolState> applyRoutes(SwarmPlan plan, List<PoolState> pools) {
    List<PoolState> out = new ArrayList<>(pools.size());
    for (PoolState p : pools) {
      PoolRef ref = PoolRef.of(p.balancer(), p.pool());
      TreeSet<PoolMember> members = new TreeSet<>(p.members());
      for (RouteChange c : plan.routeAdds()) {
        if (c.pool().equals(ref)) {
          members.add(c.member());
        }
      }
      for (RouteChange c : plan.routeRemoves()) {
        if (c.pool().equals(ref)) {
          members.remove(c.member());
        }
      }
      out.add(PoolState.builder().from(p).members(members).build());
    }
    return out;
  }
}
