package io.velociraptor.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A small fluent way to write fleet snapshots in tests and tools (what-if plans, examples): hosts (reachable or not, active or not,
 * with a port range), squads, procs by program name, port locks and pools.
 *
 * <pre>{@code
 * FleetSnapshot fleet = FleetBuilder.fleet()
 *     .squad("main", "h1", "h2")
 *     .proc("h1", "web-v1-prod-0123456789ab-web-5000-abcdefgh", ProcState.RUNNING)
 *     .unreachable("h2", "connection refused")
 *     .build();
 * }</pre>
 */
public final class FleetBuilder {
  private final Map<HostName, Host> hosts = new LinkedHashMap<>();
  private final Map<HostName, String> unreachable = new LinkedHashMap<>();
  private final Map<HostName, List<ObservedProc>> procs = new LinkedHashMap<>();
  private final Map<SquadName, List<HostName>> squads = new LinkedHashMap<>();
  private final List<PortLock> locks = new ArrayList<>();
  private final List<PoolState> pools = new ArrayList<>();

  private FleetBuilder() {}

  /** An empty fleet. */
  public static FleetBuilder fleet() {
    return new FleetBuilder();
  }

  /**
   * Adds a host; it is active with the default port range.
   *
   * @param name a host name; the host is active with the default port range
   * @return this
   */
  public FleetBuilder host(String name) {
    return host(Host.of(name));
  }

  /**
   * Adds a host (replacing one of the same name).
   *
   * @param host a host (replaces one of the same name)
   * @return this
   */
  public FleetBuilder host(Host host) {
    hosts.put(host.name(), host);
    procs.computeIfAbsent(host.name(), k -> new ArrayList<>());
    return this;
  }

  /**
   * Returns this, with the host's range set.
   *
   * @param name a host name
   * @param start first port
   * @param endExclusive one past the last port
   * @return this, with the host's range set
   */
  public FleetBuilder range(String name, int start, int endExclusive) {
    return host(Host.builder().from(hostOf(name)).portRange(PortRange.of(start, endExclusive)).build());
  }

  /**
   * Returns this, with the host inactive.
   *
   * @param name a host name
   * @return this, with the host inactive
   */
  public FleetBuilder inactive(String name) {
    return host(Host.builder().from(hostOf(name)).active(false).build());
  }

  /**
   * Returns this, with the host unreachable (its procs are the last known ones).
   *
   * @param name a host name
   * @param reason why it could not be observed
   * @return this, with the host unreachable (its procs are the last known ones)
   */
  public FleetBuilder unreachable(String name, String reason) {
    hostOf(name);
    unreachable.put(HostName.of(name), reason);
    return this;
  }

  /**
   * Adds a squad of these hosts, or more hosts to it (hosts are added to the fleet if new).
   *
   * @param name a squad name
   * @param hostNames its hosts (added to the fleet if new)
   * @return this
   */
  public FleetBuilder squad(String name, String... hostNames) {
    List<HostName> list = squads.computeIfAbsent(SquadName.of(name), k -> new ArrayList<>());
    for (String h : hostNames) {
      hostOf(h);
      list.add(HostName.of(h));
    }
    return this;
  }

  /**
   * Adds an observed proc by its program name (its host is added if new).
   *
   * @param host a host name (added if new)
   * @param programName a Supervisor program name of any kind
   * @param state its state
   * @return this
   */
  public FleetBuilder proc(String host, String programName, ProcState state) {
    return proc(ObservedProc.of(hostOf(host).name(), ProcName.parse(programName), state));
  }

  /**
   * Returns this, with a running foreign proc holding that port.
   *
   * @param host a host name (added if new)
   * @param programName a foreign program name
   * @param port the port the observer learned it holds
   * @return this, with a running foreign proc holding that port
   */
  public FleetBuilder foreign(String host, String programName, int port) {
    return proc(ObservedProc.builder().host(hostOf(host).name()).name(ProcName.parse(programName))
        .state(ProcState.RUNNING).port(Optional.of(Port.of(port))).build());
  }

  /**
   * Adds an observed proc (its host is added if new).
   *
   * @param proc an observed proc (its host is added if new)
   * @return this
   */
  public FleetBuilder proc(ObservedProc proc) {
    hostOf(proc.host().value());
    procs.get(proc.host()).add(proc);
    return this;
  }

  /**
   * Adds a port lock held by the swarm run {@code run-1} (the host is added if new).
   *
   * @param host a host name
   * @param port a port held by a swarm run
   * @return this
   */
  public FleetBuilder lock(String host, int port) {
    locks.add(PortLock.of(hostOf(host).name(), Port.of(port), "run-1"));
    return this;
  }

  /**
   * Adds the state of a balancer's pool with these members.
   *
   * @param balancer the balancer
   * @param pool the pool
   * @param members its members, {@code host:port}
   * @return this
   */
  public FleetBuilder pool(String balancer, String pool, String... members) {
    TreeSet<PoolMember> set = new TreeSet<>();
    for (String m : members) {
      set.add(PoolMember.parse(m));
    }
    pools.add(PoolState.builder().balancer(BalancerName.of(balancer)).pool(PoolName.of(pool)).members(set).build());
    return this;
  }

  /** The snapshot. */
  public FleetSnapshot build() {
    ImmutableFleetSnapshot.Builder b = FleetSnapshot.builder();
    for (Host h : hosts.values()) {
      ImmutableHostSnapshot.Builder hs = HostSnapshot.builder().host(h).procs(procs.get(h.name()));
      String reason = unreachable.get(h.name());
      hs.reachable(reason == null);
      if (reason != null) {
        hs.unreachableReason(reason);
      }
      b.addHosts(hs.build());
    }
    squads.forEach((name, list) -> b.addSquads(Squad.builder().name(name).hosts(list).build()));
    return b.portLocks(locks).pools(pools).build();
  }

  private Host hostOf(String name) {
    HostName n = HostName.of(name);
    Host h = hosts.get(n);
    if (h == null) {
      h = Host.of(name);
      host(h);
    }
    return h;
  }
}
