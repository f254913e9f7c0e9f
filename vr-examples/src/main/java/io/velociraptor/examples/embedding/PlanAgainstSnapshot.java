package io.velociraptor.examples.embedding;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
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
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.SwarmPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Embedding example: a custom deploy tool that plans against a saved snapshot (no host is
 * contacted) and applies its own policy to the plan: it refuses a plan that would take more
 * than half of the swarm's procs out of service at once.
 *
 * <p>Run: {@code java -cp vr-examples/target/vr.jar io.velociraptor.examples.embedding.PlanAgainstSnapshot
 * [FLEET.json]} (a snapshot from {@code vr snapshot}; without one it plans against a small
 * fleet built in code). Exit 0: acceptable (or no change); 1: refused.
 */
public final class PlanAgainstSnapshot {
  private PlanAgainstSnapshot() {}

  /**
   * @param args optional: a FLEET.json written by {@code vr snapshot}
   * @throws IOException if the snapshot cannot be read
   */
  public static void main(String[] args) throws IOException {
    FleetSnapshot fleet = args.length > 0
        ? VrJson.readJson(Files.readString(Path.of(args[0])), FleetSnapshot.class)
        : sampleFleet();
    System.exit(review(fleet, System.out) ? 0 : 1);
  }

  /**
   * Plans the example swarm at a new release and reviews the plan.
   *
   * @param fleet the snapshot to plan against
   * @param out where the plan and the verdict go
   * @return whether the tool accepts the plan
   */
  public static boolean review(FleetSnapshot fleet, PrintStream out) {
    Swarm swarm = Swarm.builder().id(SwarmId.of("shopwebz")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("prod")).size(4).version(Version.of("2.0")).build();
    SwarmPlan plan = Planner.plan(DesiredSwarm.of(swarm, ReleaseHash.of("bbbbbbbbbbbb")), fleet);
    out.print(plan.render());
    long outOfService = plan.stops().stream().filter(s -> s.replacedBy().isEmpty()).count();
    long inService = plan.keeps().size() + plan.stops().size();
    boolean ok = outOfService * 2 <= Math.max(1, inService);
    out.println(ok ? "accepted: " + plan.summary() : "REFUSED: " + outOfService + " of " + inService
        + " procs would stop without a replacement");
    return ok;
  }

  /** Two hosts, each running two procs of shop at release aaaaaaaaaaaa, plus a foreign cron. */
  static FleetSnapshot sampleFleet() {
    List<Host> hosts = List.of(Host.of("web1"), Host.of("web2"));
    List<HostSnapshot> snaps = hosts.stream().map(h -> HostSnapshot.reachable(h, List.of(
        ObservedProc.of(h.name(), ProcName.parse("shop-1.0-prod-aaaaaaaaaaaa-web-5000-shopwebz"), ProcState.RUNNING),
        ObservedProc.of(h.name(), ProcName.parse("shop-1.0-prod-aaaaaaaaaaaa-web-5001-shopwebz"), ProcState.RUNNING),
        ObservedProc.of(h.name(), ProcName.parse("cron"), ProcState.RUNNING)))).toList();
    return FleetSnapshot.builder().hosts(snaps)
        .addSquads(Squad.builder().name(SquadName.of("prod")).addHosts(hosts.get(0).name(), hosts.get(1).name()).build())
        .build();
  }
}
