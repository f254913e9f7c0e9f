package io.velociraptor.core.deploy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.routing.InMemoryBalancer;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.InMemoryStore;
import io.velociraptor.testkit.InMemoryContainerRuntime;
import io.velociraptor.testkit.InMemoryHosts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Three in-memory hosts in squad main, one balancer, one store: a world to dispatch into. */
final class DispatchWorld implements AutoCloseable {
  static final BalancerName BALANCER = BalancerName.of("default");
  static final PoolName POOL = PoolName.of("shop-web");

  final InMemoryHosts hosts = new InMemoryHosts();
  final InMemoryContainerRuntime runtime = new InMemoryContainerRuntime();
  final Store store;
  final InMemoryBalancer balancer = InMemoryBalancer.of(BALANCER);
  final List<Host> hostList = new ArrayList<>();
  final Map<HostName, CommandRunner> runners = new TreeMap<>();
  final List<DispatchEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
  final FleetConfig fleet;

  DispatchWorld() {
    this(false);
  }

  /**
   * @param oneMachine whether the three hosts are one machine's private supervisords: one address,
   *     ports 5000-5009, 5010-5019 and 5020-5029
   */
  DispatchWorld(boolean oneMachine) {
    this(oneMachine, InMemoryStore.create());
  }

  /**
   * @param oneMachine as above
   * @param store the store to dispatch with (closed with the world)
   */
  DispatchWorld(boolean oneMachine, Store store) {
    this.store = store;
    List<HostName> names = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Host h = oneMachine
          ? Host.builder().name(HostName.of("h" + i)).address("127.0.0.1")
              .portRange(PortRange.of(5000 + 10 * (i - 1), 5010 + 10 * (i - 1))).build()
          : Host.builder().name(HostName.of("h" + i)).portRange(PortRange.of(5000, 5010)).build();
      hostList.add(h);
      names.add(h.name());
      hosts.addHost(h.name());
      runners.put(h.name(), LocalCommandRunner.builder().name(h.name().value()).build());
    }
    fleet = FleetConfig.of(hostList, List.of(Squad.builder().name(SquadName.of("main")).addAllHosts(names).build(),
        Squad.builder().name(SquadName.of("spare")).build()));
    store.putBuild(build("v1"));
    store.putBuild(build("v2"));
  }

  static Build build(String version) {
    String sha = version.equals("v1") ? "1".repeat(64) : "2".repeat(64);
    return Build.builder().app(AppName.of("shop")).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/var/lib/vr/artifacts/" + sha + ".tar.gz").sha256(sha).putProcfileTypes("web", "./serve").build();
  }

  static io.velociraptor.core.model.ImmutableSwarm.Builder swarm() {
    return Swarm.builder().id(SwarmId.of("shopweb2")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).size(3).version(Version.of("v1"))
        .pool(POOL).balancer(BALANCER);
  }

  Dispatcher dispatcher() {
    return dispatcher(hosts, runtime, store, balancer, io.velociraptor.core.store.RunOwners.current());
  }

  Dispatcher dispatcher(ProcController procs, ContainerRuntime rt, Store st, Balancer bal, SwarmRun.Owner owner) {
    return Dispatcher.builder().store(st).fleet(fleet).observer(hosts).procs(procs).runtime(rt)
        .runners(h -> runners.get(h.name())).balancer(bal).listener(events::add).owner(owner).build();
  }

  /**
   * Dispatches with a dispatcher whose every effect goes through the injector, as a process that
   * dies at its crash point: its runs belong to a real process, killed at the crash.
   *
   * @return whether it crashed
   */
  boolean dispatchUntilCrash(io.velociraptor.core.testing.CrashInjector killer, Swarm target) throws Exception {
    boolean crashed = false;
    Process doomedProcess = new ProcessBuilder("sleep", "600").start();
    try (Dispatcher doomed = dispatcher(killer.wrap(ProcController.class, hosts),
        killer.wrap(ContainerRuntime.class, runtime), killer.wrap(Store.class, store),
        killer.wrap(Balancer.class, balancer), io.velociraptor.core.store.RunOwners.of(doomedProcess.toHandle()))) {
      doomed.dispatch(target);
    } catch (io.velociraptor.core.testing.CrashInjector.Crash expected) {
      crashed = true;
    } finally {
      doomedProcess.destroyForcibly().waitFor();
    }
    return crashed || killer.crashed();
  }

  /** @return every program of ours, running, as host/name */
  TreeSet<String> running() {
    TreeSet<String> out = new TreeSet<>();
    for (Host h : hostList) {
      hosts.programs(h.name()).forEach((name, p) -> {
        if (p.state() == ProcState.RUNNING && ProcName.parse(name).kind() == ProcName.Kind.OURS) {
          out.add(h.name() + "/" + name);
        }
      });
    }
    return out;
  }

  /** @return every program of ours in any state */
  TreeSet<String> ours() {
    TreeSet<String> out = new TreeSet<>();
    for (Host h : hostList) {
      hosts.programs(h.name()).keySet().stream().filter(n -> ProcName.parse(n).kind() == ProcName.Kind.OURS)
          .forEach(n -> out.add(h.name() + "/" + n));
    }
    return out;
  }

  /** @return pool members that the running procs of ours answer to */
  TreeSet<PoolMember> runningMembers() {
    TreeSet<PoolMember> out = new TreeSet<>();
    for (String r : running()) {
      String[] parts = r.split("/", 2);
      out.add(PoolMember.of(parts[0], ProcName.parse(parts[1]).port().orElseThrow()));
    }
    return out;
  }

  @Override
  public void close() {
    runners.values().forEach(CommandRunner::close);
    store.close();
  }

  /** The fewest routed running procs and the most procs of ours seen at any event: sample it from a listener. */
  static final class Bounds {
    int minInService = Integer.MAX_VALUE;
    int maxProcs;

    synchronized void sample(DispatchWorld w) {
      java.util.TreeSet<io.velociraptor.core.model.PoolMember> serving = new java.util.TreeSet<>(w.balancer.members(POOL));
      serving.retainAll(w.runningMembers());
      minInService = Math.min(minInService, serving.size());
      maxProcs = Math.max(maxProcs, w.ours().size());
    }
  }
}
