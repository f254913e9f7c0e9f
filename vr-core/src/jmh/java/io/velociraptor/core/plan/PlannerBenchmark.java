package io.velociraptor.core.plan;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fleets: {@code hosts} hosts of one squad with 50 procs each (10% foreign, the rest
 * of 100 other swarms, and the 200 procs of the planned swarm on 200 hosts), the swarm changing
 * release, its pool known with its 200 old members. Heap is capped at 512 MB in the fork, so the
 * 10,000-host case also proves the peak-heap limit. Run: {@code ./vr-core/bench.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class PlannerBenchmark {
  static final int PROCS_PER_HOST = 50;
  static final int SWARM_SIZE = 200;

  @Param({"1000", "10000"})
  int hosts;

  DesiredSwarm desired;
  FleetSnapshot fleet;
  PlanPolicy policy = PlanPolicy.defaults();

  @Setup(Level.Trial)
  public void buildFleet() {
    AppName app = AppName.of("shop");
    ConfigName config = ConfigName.of("prod");
    ProcTypeName web = ProcTypeName.of("web");
    ReleaseHash oldHash = ReleaseHash.of("ba9876543210");
    Version oldVersion = Version.of("v1");
    SwarmId id = SwarmId.fromBits(12345);
    Swarm swarm = Swarm.builder().id(id).app(app).config(config).procType(web).squad(SquadName.of("main"))
        .version(Version.of("v2")).size(SWARM_SIZE).pool(PoolName.of("shop_web")).balancer(BalancerName.of("lb")).build();
    desired = DesiredSwarm.of(swarm, ReleaseHash.of("0123456789ab"));
    List<SwarmId> others = new ArrayList<>();
    List<AppName> otherApps = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      others.add(SwarmId.fromBits(1_000_000L + i));
      otherApps.add(AppName.of("app" + i));
    }
    int stride = hosts / SWARM_SIZE;
    List<HostSnapshot> snapshots = new ArrayList<>(hosts);
    List<HostName> names = new ArrayList<>(hosts);
    List<PoolMember> members = new ArrayList<>();
    for (int h = 0; h < hosts; h++) {
      Host host = Host.of(String.format("h%05d", h));
      names.add(host.name());
      List<ObservedProc> procs = new ArrayList<>(PROCS_PER_HOST);
      for (int p = 0; p < PROCS_PER_HOST; p++) {
        Port port = Port.of(5000 + p);
        ProcName name;
        if (p < PROCS_PER_HOST / 10) {
          name = ProcName.parse("foreign_" + p);
        } else if (p == PROCS_PER_HOST / 10 && h % stride == 0 && members.size() < SWARM_SIZE) {
          name = ProcName.of(app, oldVersion, config, oldHash, web, port, id);
          members.add(PoolMember.of(host.address(), port));
        } else {
          int other = (h * PROCS_PER_HOST + p) % others.size();
          name = ProcName.of(otherApps.get(other), oldVersion, config, oldHash, web, port, others.get(other));
        }
        procs.add(p < PROCS_PER_HOST / 10
            ? ObservedProc.builder().host(host.name()).name(name).state(ProcState.RUNNING).port(Optional.of(port)).build()
            : ObservedProc.of(host.name(), name, ProcState.RUNNING));
      }
      snapshots.add(HostSnapshot.reachable(host, procs));
    }
    fleet = FleetSnapshot.builder().hosts(snapshots)
        .addSquads(Squad.builder().name(SquadName.of("main")).hosts(names).build())
        .addPools(PoolState.builder().balancer(BalancerName.of("lb")).pool(PoolName.of("shop_web")).members(members).build())
        .build();
    SwarmPlan plan = Planner.plan(desired, fleet, policy);
    if (plan.starts().size() != SWARM_SIZE || plan.stops().size() != SWARM_SIZE || plan.replacements().size() != SWARM_SIZE) {
      throw new IllegalStateException("benchmark fleet does not plan 200 replacements: " + plan.summary());
    }
  }

  @Benchmark
  public SwarmPlan planReleaseChange() {
    return Planner.plan(desired, fleet, policy);
  }
}
