package io.velociraptor.testkit;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ImmutableFleetSnapshot;
import io.velociraptor.core.model.ImmutableObservedProc;
import io.velociraptor.core.model.ImmutableSwarm;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.ImmutablePlanPolicy;
import io.velociraptor.core.plan.PlanPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Generators of planner inputs: fleets (hosts in squads, reachable or not, active or not, small
 * port ranges so exhaustion happens), a swarm as it was deployed, an edit of it (new release,
 * rename of app, proc, config or squad, resize, one per host, pool change), the procs the old
 * swarm left (plus other swarms', legacy and foreign procs in every state), port locks, pools
 * and policies. Small name pools make collisions, adoption and renames frequent.
 */
public final class PlanGen {
  /** Release hashes the generator picks from; the last is a legacy (8 hex) one. */
  public static final List<String> HASHES = List.of("0123456789ab", "ba9876543210", "cafe00000001", "0a1b2c3d");
  private static final List<String> APPS = List.of("shop", "mall");
  private static final List<String> CONFIGS = List.of("prod", "staging");
  private static final List<String> PROCS = List.of("web", "worker");
  private static final List<String> SQUADS = List.of("main", "edge");
  private static final List<String> VERSIONS = List.of("v1", "v2", "release-1.0");
  private static final List<ProcState> STATES = List.of(ProcState.RUNNING, ProcState.RUNNING, ProcState.RUNNING,
      ProcState.RUNNING, ProcState.STARTING, ProcState.BACKOFF, ProcState.STOPPED, ProcState.EXITED, ProcState.FATAL,
      ProcState.STOPPING, ProcState.UNKNOWN);

  private PlanGen() {}

  /** Swarms drawn from the small name pools, size 0 to 6, sometimes one per host or pooled. */
  public static Gen<Swarm> swarms() {
    return (r, s) -> {
      ImmutableSwarm.Builder b = Swarm.builder()
          .id(SwarmId.fromBits(r.nextLong()))
          .app(AppName.of(pick(r, APPS)))
          .config(ConfigName.of(pick(r, CONFIGS)))
          .procType(ProcTypeName.of(pick(r, PROCS)))
          .squad(SquadName.of(pick(r, SQUADS)))
          .version(Version.of(pick(r, VERSIONS)))
          .size(r.nextInt(7))
          .onePerHost(r.nextInt(8) == 0);
      if (r.nextInt(10) < 7) {
        b.pool(PoolName.of("pool" + r.nextInt(2))).balancer(BalancerName.of("lb"));
      }
      return b.build();
    };
  }

  /**
   * Random edits of {@code previous}, keeping its id; each draw edits a random subset of it.
   *
   * @param previous a swarm as deployed
   * @return the same swarm (same id) after a random edit: often a new version, sometimes a
   *     rename of app, proc, config or squad, a resize, a switch to or from one per host, a pool change
   */
  public static Gen<Swarm> edits(Swarm previous) {
    return (r, s) -> {
      ImmutableSwarm.Builder b = Swarm.builder().from(previous);
      if (r.nextInt(10) < 4) {
        b.version(Version.of(pick(r, VERSIONS)));
      }
      if (r.nextInt(10) == 0) {
        b.app(AppName.of(pick(r, APPS)));
      }
      if (r.nextInt(10) == 0) {
        b.config(ConfigName.of(pick(r, CONFIGS)));
      }
      if (r.nextInt(10) == 0) {
        b.procType(ProcTypeName.of(pick(r, PROCS)));
      }
      if (r.nextInt(10) == 0) {
        b.squad(SquadName.of(pick(r, SQUADS)));
      }
      if (r.nextInt(10) < 3) {
        b.size(r.nextInt(7));
      }
      if (r.nextInt(10) == 0) {
        b.onePerHost(!previous.onePerHost());
      }
      if (r.nextInt(10) == 0) {
        if (r.nextBoolean()) {
          b.pool(PoolName.of("pool" + r.nextInt(2))).balancer(BalancerName.of("lb"));
        } else {
          b.pool(Optional.empty());
        }
      }
      return b.build();
    };
  }

  /** Fleets: the snapshots of {@link #cases()}. */
  public static Gen<FleetSnapshot> fleets() {
    return cases().map(PlanCase::fleet);
  }

  /**
   * What a planner case exercises, for {@link PropertyRunner.Described#classifiedBy}: how many
   * hosts, whether one is unreachable, whether foreign procs or port locks are in the way, whether
   * the plan could not place every proc (a full port range), a deletion, a no-op.
   *
   * @param c a case
   * @return its labels
   */
  public static List<String> labels(PlanCase c) {
    List<String> out = new ArrayList<>();
    int hosts = c.fleet().hosts().size();
    out.add(hosts == 1 ? "1 host" : hosts <= 3 ? "2-3 hosts" : "4+ hosts");
    if (c.fleet().hosts().stream().anyMatch(h -> !h.reachable())) {
      out.add("unreachable host");
    }
    if (c.fleet().hosts().stream().flatMap(h -> h.procs().stream())
        .anyMatch(p -> p.name().kind() == io.velociraptor.core.model.ProcName.Kind.FOREIGN)) {
      out.add("foreign proc");
    }
    if (!c.fleet().portLocks().isEmpty()) {
      out.add("port locks");
    }
    if (c.desired().swarm().onePerHost()) {
      out.add("one per host");
    }
    if (c.policy().deleting()) {
      out.add("deleting");
    }
    var plan = c.plan();
    if (!plan.unplaced().isEmpty()) {
      out.add("unplaced (exhausted)");
    }
    if (plan.isNoop()) {
      out.add("no-op");
    }
    return out;
  }

  /** Whole planner inputs: a deployed swarm's leftovers in a mixed fleet, and its edit. */
  public static Gen<PlanCase> cases() {
    return rawCases().shrinkingWith(PlanShrinker.shrinker());
  }

  private static Gen<PlanCase> rawCases() {
    return (r, s) -> {
      Swarm previous = swarms().generate(r, s);
      String previousHash = pick(r, HASHES);
      Swarm desired = r.nextInt(10) < 8 ? edits(previous).generate(r, s) : previous;
      String desiredHash = r.nextInt(10) < 5 ? previousHash : pick(r, HASHES);
      int hostCount = 1 + r.nextInt(Math.min(7, 1 + s / 12));
      List<Host> hosts = new ArrayList<>();
      Map<String, List<HostName>> squads = new TreeMap<>();
      List<HostSnapshot> snapshots = new ArrayList<>();
      List<PortLock> locks = new ArrayList<>();
      List<PoolMember> swarmMembers = new ArrayList<>();
      for (int i = 0; i < hostCount; i++) {
        Host host = Host.builder().name(HostName.of("h" + i)).active(r.nextInt(10) != 0)
            .portRange(PortRange.of(5000, 5002 + r.nextInt(9))).build();
        hosts.add(host);
        int squadPick = r.nextInt(10);
        String squad = squadPick < 5 ? "main" : squadPick < 9 ? "edge" : null;
        if (squad != null) {
          squads.computeIfAbsent(squad, k -> new ArrayList<>()).add(host.name());
        }
        List<Integer> free = new ArrayList<>();
        for (int p = host.portRange().start(); p < host.portRange().endExclusive(); p++) {
          free.add(p);
        }
        free.add(4000 + r.nextInt(100)); // outside the range: occupied but never chosen
        Collections.shuffle(free, new Random(r.nextLong()));
        List<ObservedProc> procs = new ArrayList<>();
        boolean previousSquad = previous.squad().value().equals(squad);
        int mine = previousSquad ? r.nextInt(3) : r.nextInt(8) == 0 ? 1 : 0;
        int others = r.nextInt(4);
        for (int k = 0; k < mine + others && !free.isEmpty(); k++) {
          int port = free.remove(free.size() - 1);
          ObservedProc proc = k < mine
              ? ObservedProc.of(host.name(), oursOf(previous, r.nextInt(6) == 0 ? pick(r, HASHES) : previousHash, port,
                  r.nextInt(8) == 0 ? pick(r, VERSIONS) : previous.version().value()), pick(r, STATES))
              : otherProc(r, host.name(), port, previous);
          procs.add(proc);
          if (proc.name() instanceof ProcName.Ours o && o.swarmId().equals(previous.id()) && r.nextInt(3) > 0) {
            swarmMembers.add(PoolMember.of(host.address(), Port.of(port)));
          }
        }
        if (r.nextInt(5) == 0 && !free.isEmpty()) {
          locks.add(PortLock.of(host.name(), Port.of(free.remove(free.size() - 1)), "run-" + r.nextInt(3)));
        }
        snapshots.add(r.nextInt(10) == 0
            ? HostSnapshot.builder().host(host).reachable(false).procs(procs)
                .unreachableReason(pick(r, List.of("connection refused", "timed out"))).build()
            : HostSnapshot.reachable(host, procs));
      }
      ImmutableFleetSnapshot.Builder fleet = FleetSnapshot.builder().addAllHosts(snapshots).portLocks(locks);
      squads.forEach((name, list) -> fleet.addSquads(Squad.builder().name(SquadName.of(name)).hosts(list).build()));
      List<PoolState> pools = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        if (r.nextInt(10) < 6) {
          TreeSet<PoolMember> members = new TreeSet<>();
          for (PoolMember m : swarmMembers) {
            if (r.nextInt(3) > 0) {
              members.add(m);
            }
          }
          if (r.nextInt(4) == 0) {
            members.add(PoolMember.of("stray" + r.nextInt(3), Port.of(9000 + r.nextInt(3))));
          }
          pools.add(PoolState.builder().balancer(BalancerName.of("lb")).pool(PoolName.of("pool" + p)).members(members).build());
        }
      }
      ImmutablePlanPolicy.Builder policy = PlanPolicy.builder().deleting(r.nextInt(12) == 0);
      if (!pools.isEmpty() && r.nextInt(6) == 0) {
        policy.addPools(pools.remove(r.nextInt(pools.size())));
      }
      FleetSnapshot built = fleet.pools(pools).build();
      return new PlanCase(DesiredSwarm.of(desired, ReleaseHash.of(desiredHash)), built, policy.build());
    };
  }

  /**
   * The same case with its lists in another order (squads, pools, hosts given in another order,
   * policy pools): the plan must not change.
   *
   * @param c a case
   * @param random where the order comes from
   * @return the reordered case
   */
  public static PlanCase shuffled(PlanCase c, SplittableRandom random) {
    Random order = new Random(random.nextLong());
    List<HostSnapshot> hosts = new ArrayList<>(c.fleet().hosts());
    Collections.shuffle(hosts, order);
    List<Squad> squads = new ArrayList<>();
    for (Squad sq : c.fleet().squads()) {
      List<HostName> names = new ArrayList<>(sq.hosts());
      Collections.shuffle(names, order);
      squads.add(Squad.builder().name(sq.name()).hosts(names).build());
    }
    Collections.shuffle(squads, order);
    List<PoolState> pools = new ArrayList<>(c.fleet().pools());
    Collections.shuffle(pools, order);
    List<PortLock> locks = new ArrayList<>(c.fleet().portLocks());
    Collections.shuffle(locks, order);
    List<PoolState> policyPools = new ArrayList<>(c.policy().pools());
    Collections.shuffle(policyPools, order);
    return new PlanCase(c.desired(),
        FleetSnapshot.builder().addAllHosts(hosts).squads(squads).pools(pools).portLocks(locks).build(),
        PlanPolicy.builder().from(c.policy()).pools(policyPools).build());
  }

  private static ProcName.Ours oursOf(Swarm swarm, String hash, int port, String version) {
    return ProcName.of(swarm.app(), Version.of(version), swarm.config(), ReleaseHash.of(hash), swarm.procType(),
        Port.of(port), swarm.id());
  }

  private static ObservedProc otherProc(SplittableRandom r, HostName host, int port, Swarm previous) {
    ProcState state = pick(r, STATES);
    switch (r.nextInt(5)) {
      case 0: { // another swarm of ours, often with the same app, config and proc
        Swarm other = Swarm.builder().from(previous).id(SwarmId.fromBits(r.nextLong())).build();
        return ObservedProc.of(host, oursOf(other, pick(r, HASHES), port, pick(r, VERSIONS)), state);
      }
      case 1:
      case 2: { // legacy, matching the swarm's app/config/proc half the time
        String app = r.nextBoolean() ? previous.app().value() : pick(r, APPS);
        String config = r.nextBoolean() ? previous.config().value() : pick(r, CONFIGS);
        String proc = r.nextBoolean() ? previous.procType().value() : pick(r, PROCS);
        String hash = r.nextBoolean() ? "0a1b2c3d" : "99999999";
        String version = Version.of(pick(r, VERSIONS)).nameForm();
        return ObservedProc.of(host, ProcName.parse(app + "-" + version + "-" + config + "-" + hash + "-" + proc + "-" + port), state);
      }
      default: { // foreign, with the port known to the observer or not
        ImmutableObservedProc.Builder b = ObservedProc.builder().host(host).state(state)
            .name(ProcName.parse(pick(r, List.of("nginx", "postgres", "cron-job", "my app", "a-b-c-d-e-f-g-h"))
                + r.nextInt(1000)));
        if (r.nextBoolean()) {
          b.port(Optional.of(Port.of(port)));
        }
        return b.build();
      }
    }
  }

  private static <T> T pick(SplittableRandom r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }
}
