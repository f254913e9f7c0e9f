package io.velociraptor.testkit;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.Keep;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.Unplaced;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The planner's contract as checks over any input and its plan. Each method throws an
 * {@link AssertionError} that says what broke; none needs a test library, so any property engine
 * (or a plain loop) can drive them. The checks re-derive what "current" means from the model
 * rather than asking the planner, so they can catch it wrong.
 */
public final class PlanInvariants {
  private PlanInvariants() {}

  /**
   * Runs every check below.
   *
   * @param c the input
   * @param plan the planner's plan for it
   * @param random where {@link #independentOfInputOrder} takes its order from
   * @throws AssertionError naming the first check that fails
   */
  public static void checkAll(PlanCase c, SwarmPlan plan, SplittableRandom random) {
    listsAreSorted(plan);
    noForeignProcInAnyList(plan);
    startsOnlyOnReachableActiveSquadHosts(c, plan);
    neverTouchesAnUnreachableHost(c, plan);
    noPortUsedTwice(c, plan);
    reachesTargetOrSaysWhy(c, plan);
    inServiceStopsArePairedOrTheSwarmShrinks(c, plan);
    replanningAfterApplyingIsNoop(c, plan);
    independentOfInputOrder(c, plan, random);
  }

  /**
   * Checks that every output list of the plan is in order.
   *
   * @param plan a plan
   * @throws AssertionError if an output list is out of order
   */
  public static void listsAreSorted(SwarmPlan plan) {
    sorted("starts", plan.starts());
    sorted("stops", plan.stops());
    sorted("keeps", plan.keeps());
    sorted("route adds", plan.routeAdds());
    sorted("route removes", plan.routeRemoves());
    sorted("unplaced", plan.unplaced());
    sorted("unreachable", plan.unreachable());
  }

  /**
   * Checks that the plan starts, stops, keeps and routes in no foreign program (one vr did not name).
   *
   * @param plan a plan
   * @throws AssertionError if a foreign program is started, stopped, kept or routed in
   */
  public static void noForeignProcInAnyList(SwarmPlan plan) {
    for (Stop s : plan.stops()) {
      check(s.name().kind() != ProcName.Kind.FOREIGN, "foreign proc stopped: " + s.ref());
    }
    for (Keep k : plan.keeps()) {
      check(k.name().kind() != ProcName.Kind.FOREIGN, "foreign proc kept: " + k.ref());
    }
    for (Start s : plan.starts()) {
      check(s.name().swarmId().equals(plan.swarmId()), "start of another swarm's name: " + s.ref());
    }
    for (RouteChange r : plan.routeAdds()) {
      check(r.proc().isPresent() && r.proc().get().name().kind() != ProcName.Kind.FOREIGN,
          "route add without a proc of this swarm: " + r);
    }
    for (RouteChange r : plan.routeRemoves()) {
      r.proc().ifPresent(p -> check(p.name().kind() != ProcName.Kind.FOREIGN, "route remove names a foreign proc: " + r));
    }
  }

  /**
   * Checks that every start is on a reachable, active host of the swarm's squad.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if a start is on a host that is not a reachable active host of the squad
   */
  public static void startsOnlyOnReachableActiveSquadHosts(PlanCase c, SwarmPlan plan) {
    Set<HostName> squad = squadHosts(c.fleet(), c.desired().swarm());
    Map<HostName, HostSnapshot> hosts = hosts(c.fleet());
    for (Start s : plan.starts()) {
      HostSnapshot h = hosts.get(s.host());
      check(h != null && squad.contains(s.host()) && h.reachable() && h.host().active(),
          "start on a host that is not a reachable active host of squad " + c.desired().swarm().squad() + ": " + s.ref());
    }
  }

  /**
   * Checks that the plan neither stops nor keeps a proc on an unreachable host.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if the plan stops (or keeps) a proc on an unreachable host
   */
  public static void neverTouchesAnUnreachableHost(PlanCase c, SwarmPlan plan) {
    Map<HostName, HostSnapshot> hosts = hosts(c.fleet());
    for (Stop s : plan.stops()) {
      check(hosts.get(s.host()).reachable(), "stop on unreachable host: " + s.ref());
    }
    for (Keep k : plan.keeps()) {
      check(hosts.get(k.host()).reachable(), "proc on unreachable host counted as kept: " + k.ref());
    }
  }

  /**
   * Checks that every start takes a free port of its host's range: none an observed proc, a port
   * lock or another start holds.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if a start takes a port an observed proc (of any kind or state), a port
   *     lock or another start holds on that host, or a port outside the host's range
   */
  public static void noPortUsedTwice(PlanCase c, SwarmPlan plan) {
    Map<HostName, HostSnapshot> hosts = hosts(c.fleet());
    Map<HostName, Set<Integer>> used = new HashMap<>();
    for (HostSnapshot h : c.fleet().hosts()) {
      Set<Integer> ports = new HashSet<>();
      for (ObservedProc p : h.procs()) {
        p.port().ifPresent(port -> ports.add(port.value()));
      }
      used.put(h.host().name(), ports);
    }
    for (PortLock l : c.fleet().portLocks()) {
      used.computeIfAbsent(l.host(), k -> new HashSet<>()).add(l.port().value());
    }
    for (Start s : plan.starts()) {
      check(hosts.get(s.host()).host().portRange().contains(s.port().value()), "start outside the host's range: " + s.ref());
      check(used.get(s.host()).add(s.port().value()), "port " + s.port() + " used twice on " + s.host() + " by " + s.ref());
    }
  }

  /**
   * Checks, by applying the plan with {@link PlanSimulator}, that the swarm ends at its target on its
   * reachable squad hosts, less what the plan reports unplaced. A proc the policy {@linkplain
   * io.velociraptor.core.plan.PlanPolicy#restart() restarts} does not count as current.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if, after applying the plan, the swarm's current procs on reachable
   *     squad hosts are not its target less what the plan reports unplaced (and, for one per
   *     host, not exactly one on each reachable active host that was not reported unplaced)
   */
  public static void reachesTargetOrSaysWhy(PlanCase c, SwarmPlan plan) {
    FleetSnapshot after = PlanSimulator.apply(plan, c.fleet());
    Swarm swarm = c.desired().swarm();
    Set<HostName> squad = squadHosts(after, swarm);
    int unplaced = 0;
    Set<HostName> unplacedHosts = new HashSet<>();
    for (Unplaced u : plan.unplaced()) {
      unplaced += u.count();
      u.host().ifPresent(unplacedHosts::add);
    }
    int current = 0;
    for (HostSnapshot h : after.hosts()) {
      if (!h.reachable()) {
        continue;
      }
      int here = 0;
      for (ObservedProc p : h.procs()) {
        // a proc the policy restarts that is still there awaits its replacement: not current
        if (isCurrent(p, c.desired(), squad) && !c.policy().restart().contains(ProcRef.of(h.host().name(), p.name()))) {
          here++;
        }
      }
      current += here;
      if (swarm.onePerHost() && !c.policy().deleting()) {
        boolean eligible = squad.contains(h.host().name()) && h.host().active();
        int want = eligible && !unplacedHosts.contains(h.host().name()) ? 1 : 0;
        check(here == want, "one per host: " + h.host().name() + " has " + here + " current procs after the plan, wants " + want);
      }
    }
    int target = c.policy().deleting() ? 0 : plan.target();
    check(current == target - unplaced, "after the plan the swarm has " + current + " current procs; target "
        + target + ", unplaced " + unplaced);
    if (!swarm.onePerHost() && !c.policy().deleting()) {
      check(plan.target() == swarm.size(), "target " + plan.target() + " is not the swarm's size " + swarm.size());
    }
  }

  /**
   * Checks that an in-service proc is stopped only with a paired replacement start, or when the
   * swarm shrinks, and that starts and stops agree about their pairs.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if an in-service proc is stopped without a replacement while the swarm
   *     would end below its target, or if starts and stops disagree about their pairs
   */
  public static void inServiceStopsArePairedOrTheSwarmShrinks(PlanCase c, SwarmPlan plan) {
    Map<ProcRef, Start> byStart = new HashMap<>();
    for (Start s : plan.starts()) {
      byStart.put(s.ref(), s);
    }
    Map<ProcRef, Stop> byStop = new HashMap<>();
    for (Stop s : plan.stops()) {
      byStop.put(s.ref(), s);
    }
    for (Start s : plan.starts()) {
      s.replaces().ifPresent(old -> {
        Stop stop = byStop.get(old);
        check(stop != null && stop.replacedBy().equals(Optional.of(s.ref())),
            "start " + s.ref() + " replaces " + old + ", which is not stopped in return");
      });
    }
    int upAfter = plan.keeps().size() + plan.starts().size();
    for (Stop s : plan.stops()) {
      if (s.replacedBy().isPresent()) {
        Start start = byStart.get(s.replacedBy().get());
        check(start != null && start.replaces().equals(Optional.of(s.ref())),
            "stop " + s.ref() + " names replacement " + s.replacedBy().get() + ", which does not name it back");
      } else if (s.inService() && !c.policy().deleting()) {
        check(upAfter >= plan.target(), "in-service " + s.ref() + " stopped without replacement while the swarm ends with "
            + upAfter + " procs in service, below its target " + plan.target());
      }
    }
  }

  /**
   * Checks that a plan that placed everything leads, once applied, to a snapshot the planner wants to
   * change nothing in.
   *
   * @param c the input
   * @param plan its plan
   * @throws AssertionError if the plan placed everything, yet planning again on the snapshot it
   *     leads to still wants to change something
   */
  public static void replanningAfterApplyingIsNoop(PlanCase c, SwarmPlan plan) {
    if (!plan.unplaced().isEmpty()) {
      return; // a retired proc frees its port only when stopped: such a swarm converges over dispatches
    }
    PlanCase next = new PlanCase(c.desired(), PlanSimulator.apply(plan, c.fleet()), PlanSimulator.apply(plan, c.policy()));
    SwarmPlan again = next.plan();
    check(again.isNoop(), "planning again after applying the plan is not a no-op:\n" + again.render());
  }

  /**
   * Checks that planning the same input in another random order ({@link PlanGen#shuffled}) gives
   * the same plan.
   *
   * @param c the input
   * @param plan its plan
   * @param random where the new order comes from
   * @throws AssertionError if the same input in another order gives another plan
   */
  public static void independentOfInputOrder(PlanCase c, SwarmPlan plan, SplittableRandom random) {
    SwarmPlan again = PlanGen.shuffled(c, random).plan();
    check(again.equals(plan), "the same input in another order gives another plan:\n" + again.render()
        + "\ninstead of\n" + plan.render());
  }

  /**
   * Whether a proc is a current proc of the desired swarm: ours with its id (or legacy with its
   * app, config and proc), same app, proc and config, on a host of the squad, with its release
   * hash and its version's name form, and up.
   *
   * @param p an observed proc
   * @param desired the desired swarm
   * @param squadHosts the hosts of its squad
   * @return whether it counts as current
   */
  public static boolean isCurrent(ObservedProc p, DesiredSwarm desired, Set<HostName> squadHosts) {
    Swarm s = desired.swarm();
    if (!squadHosts.contains(p.host()) || !p.state().isUp()) {
      return false;
    }
    String version = s.version().nameForm();
    if (p.name() instanceof ProcName.Ours o) {
      return o.swarmId().equals(s.id()) && o.app().equals(s.app()) && o.config().equals(s.config())
          && o.procType().equals(s.procType()) && o.hash().equals(desired.releaseHash()) && o.versionName().equals(version);
    }
    if (p.name() instanceof ProcName.Legacy l) {
      return l.app().equals(s.app()) && l.config().equals(s.config()) && l.procType().equals(s.procType())
          && l.hash().equals(desired.releaseHash().value()) && l.versionName().equals(version);
    }
    return false;
  }

  private static Set<HostName> squadHosts(FleetSnapshot fleet, Swarm swarm) {
    for (Squad s : fleet.squads()) {
      if (s.name().equals(swarm.squad())) {
        return s.hosts();
      }
    }
    return Set.of();
  }

  private static Map<HostName, HostSnapshot> hosts(FleetSnapshot fleet) {
    Map<HostName, HostSnapshot> out = new HashMap<>();
    for (HostSnapshot h : fleet.hosts()) {
      out.put(h.host().name(), h);
    }
    return out;
  }

  private static <T extends Comparable<? super T>> void sorted(String what, List<T> list) {
    List<T> copy = new ArrayList<>(list);
    java.util.Collections.sort(copy);
    check(copy.equals(list), what + " are not sorted: " + list);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }
}
