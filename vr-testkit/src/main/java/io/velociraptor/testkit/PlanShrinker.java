package io.velociraptor.testkit;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Domain-aware shrinking of planner inputs, boldest first: drop a host (with its squad entry,
 * locks and pool members), lower the size, drop pools, locks and the deleting flag, drop a proc.
 * Every candidate is strictly smaller, so shrinking ends.
 */
public final class PlanShrinker {
  private PlanShrinker() {}

  /** The shrinker. */
  public static Shrinker<PlanCase> shrinker() {
    return PlanShrinker::candidates;
  }

  private static Stream<PlanCase> candidates(PlanCase c) {
    List<PlanCase> out = new ArrayList<>();
    FleetSnapshot fleet = c.fleet();
    for (HostSnapshot h : fleet.hosts()) {
      out.add(new PlanCase(c.desired(), withoutHost(fleet, h), c.policy()));
    }
    Swarm swarm = c.desired().swarm();
    if (swarm.size() > 0) {
      for (int size : new int[] {0, swarm.size() / 2, swarm.size() - 1}) {
        if (size < swarm.size() && out.stream().noneMatch(x -> x.desired().swarm().size() == size)) {
          out.add(new PlanCase(DesiredSwarm.of(Swarm.builder().from(swarm).size(size).build(), c.desired().releaseHash()),
              fleet, c.policy()));
        }
      }
    }
    if (swarm.onePerHost()) {
      out.add(new PlanCase(DesiredSwarm.of(Swarm.builder().from(swarm).onePerHost(false).build(),
          c.desired().releaseHash()), fleet, c.policy()));
    }
    if (!fleet.pools().isEmpty()) {
      out.add(new PlanCase(c.desired(), FleetSnapshot.builder().from(fleet).pools(List.of()).build(), c.policy()));
    }
    if (!c.policy().pools().isEmpty()) {
      out.add(new PlanCase(c.desired(), fleet, PlanPolicy.builder().from(c.policy()).pools(List.of()).build()));
    }
    if (c.policy().deleting()) {
      out.add(new PlanCase(c.desired(), fleet, PlanPolicy.builder().from(c.policy()).deleting(false).build()));
    }
    if (!fleet.portLocks().isEmpty()) {
      out.add(new PlanCase(c.desired(), FleetSnapshot.builder().from(fleet).portLocks(List.of()).build(), c.policy()));
    }
    for (HostSnapshot h : fleet.hosts()) {
      for (ObservedProc p : h.procs()) {
        TreeSet<ObservedProc> procs = new TreeSet<>(h.procs());
        procs.remove(p);
        out.add(new PlanCase(c.desired(), replaceHost(fleet, HostSnapshot.builder().from(h).procs(procs).build()), c.policy()));
      }
    }
    return out.stream();
  }

  private static FleetSnapshot replaceHost(FleetSnapshot fleet, HostSnapshot replacement) {
    List<HostSnapshot> hosts = new ArrayList<>();
    for (HostSnapshot h : fleet.hosts()) {
      hosts.add(h.host().name().equals(replacement.host().name()) ? replacement : h);
    }
    return FleetSnapshot.builder().from(fleet).hosts(hosts).build();
  }

  private static FleetSnapshot withoutHost(FleetSnapshot fleet, HostSnapshot gone) {
    HostName name = gone.host().name();
    List<HostSnapshot> hosts = new ArrayList<>(fleet.hosts());
    hosts.remove(gone);
    List<Squad> squads = new ArrayList<>();
    for (Squad s : fleet.squads()) {
      TreeSet<HostName> members = new TreeSet<>(s.hosts());
      members.remove(name);
      squads.add(Squad.builder().from(s).hosts(members).build());
    }
    List<PortLock> locks = new ArrayList<>();
    for (PortLock l : fleet.portLocks()) {
      if (!l.host().equals(name)) {
        locks.add(l);
      }
    }
    List<PoolState> pools = new ArrayList<>();
    for (PoolState p : fleet.pools()) {
      TreeSet<PoolMember> members = new TreeSet<>(p.members());
      members.removeIf(m -> m.address().equals(gone.host().address()));
      pools.add(PoolState.builder().from(p).members(members).build());
    }
    return FleetSnapshot.builder().hosts(hosts).squads(squads).portLocks(locks).pools(pools).build();
  }
}
