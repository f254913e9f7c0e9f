package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * Everything the planner reads about the world: every known host (not only one squad's) with its
 * procs or the reason it could not be observed, the squads, held port locks, and the balancer
 * pools' current members.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableFleetSnapshot.class)
@JsonDeserialize(as = ImmutableFleetSnapshot.class)
public interface FleetSnapshot {
  /** The hosts, sorted by name, each once. */
  List<HostSnapshot> hosts();

  /** The squads. */
  List<Squad> squads();

  /** Held port locks, sorted by host and port, each host and port once. */
  List<PortLock> portLocks();

  /** Pools' current members. */
  List<PoolState> pools();

  /**
   * The builds of the app versions the snapshot's procs run (and of the swarm planned, when it
   * exists), without their compile logs: with them a tool resolves a swarm's release, and so
   * plans a config change, offline ({@code DesiredSwarm.resolve(swarm, snapshot)}). Sorted by
   * app and version, each once; empty in snapshots written before it existed.
   *
   * @return the builds
   */
  List<Build> builds();

  /**
   * The build of an app version, if the snapshot carries it.
   *
   * @param app an app
   * @param version a version of it
   * @return its build
   */
  default Optional<Build> build(AppName app, Version version) {
    return builds().stream().filter(b -> b.app().equals(app) && b.version().equals(version)).findFirst();
  }

  /**
   * Returns that host's snapshot.
   *
   * @param name a host name
   * @return that host's snapshot
   */
  default Optional<HostSnapshot> host(HostName name) {
    return hosts().stream().filter(h -> h.host().name().equals(name)).findFirst();
  }

  /**
   * The squad of that name, if the snapshot has it.
   *
   * @param name a squad name
   * @return the squad
   */
  default Optional<Squad> squad(SquadName name) {
    return squads().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * Returns the pool's current members, if known.
   *
   * @param balancer a balancer
   * @param pool a pool
   * @return the pool's current members, if known
   */
  default Optional<PoolState> pool(BalancerName balancer, PoolName pool) {
    return pools().stream().filter(p -> p.balancer().equals(balancer) && p.pool().equals(pool)).findFirst();
  }

  /** A new builder for a {@link FleetSnapshot}. */
  static ImmutableFleetSnapshot.Builder builder() {
    return ImmutableFleetSnapshot.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableFleetSnapshot.Builder toBuilder() {
    return ImmutableFleetSnapshot.builder().from(this);
  }

  /**
   * Checks that host, squad and pool names, locked ports and builds are unique, a host is in at most one
   * squad, and squads name known hosts; sorts hosts by name, locks by host and port, builds by app and version.
   *
   * @return this snapshot, or a copy with its hosts and locks sorted
   * @throws InvalidValueException naming what is listed twice or unknown
   */
  @Value.Check
  default FleetSnapshot normalize() {
    List<HostSnapshot> hosts = Checks.sortedUnique(hosts(), h -> h.host().name(), "host", "in the fleet snapshot");
    List<PortLock> locks = Checks.sortedUnique(portLocks(), l -> l, "port lock", "in the fleet snapshot");
    List<Build> builds = Checks.sortedUnique(builds(), b -> b.app() + " " + b.version(), "build", "in the fleet snapshot");
    Set<HostName> names = new HashSet<>();
    hosts.forEach(h -> names.add(h.host().name()));
    Set<SquadName> squadNames = new HashSet<>();
    Set<HostName> placed = new HashSet<>();
    for (Squad s : squads()) {
      if (!squadNames.add(s.name())) {
        throw InvalidValueException.of("squad", s.name(), "is listed twice in the fleet snapshot");
      }
      for (HostName h : s.hosts()) {
        if (!names.contains(h)) {
          throw InvalidValueException.of("squad " + s.name() + " host", h, "is not a host of the fleet snapshot");
        }
        if (!placed.add(h)) {
          throw InvalidValueException.of("host", h, "is in more than one squad");
        }
      }
    }
    Set<String> pools = new HashSet<>();
    for (PoolState p : pools()) {
      if (!pools.add(p.balancer() + "/" + p.pool())) {
        throw InvalidValueException.of("pool", p.balancer() + "/" + p.pool(), "is listed twice in the fleet snapshot");
      }
    }
    return hosts == hosts() && locks == portLocks() && builds == builds()
        ? this : ImmutableFleetSnapshot.builder().from(this).hosts(hosts).portLocks(locks).builds(builds).build();
  }
}
