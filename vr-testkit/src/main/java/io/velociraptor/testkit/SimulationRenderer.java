package io.velociraptor.testkit;

import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.HostPorts;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.testkit.RolloutSimulation.Serving;
import io.velociraptor.testkit.RolloutSimulation.SimulatedWave;
import io.velociraptor.testkit.RolloutSimulation.WaveOutcome;
import io.velociraptor.testkit.RolloutSimulation.WaveTime;
import java.util.ArrayList;
import java.util.List;

/** Renders a simulation for people: the swarm and scenario, each wave with what befell it, the outcome. */
final class SimulationRenderer {
  private SimulationRenderer() {}

  static String render(RolloutSimulation sim) {
    RolloutPlan r = sim.rollout();
    SwarmPlan plan = r.plan();
    StringBuilder out = new StringBuilder();
    out.append("simulated dispatch of swarm ").append(plan.swarmName()).append(" (id ").append(plan.swarmId())
        .append(") on squad ").append(plan.squad()).append('\n');
    out.append("  release ").append(plan.releaseHash()).append(", version ").append(plan.version()).append(", ")
        .append(plan.onePerHost() ? "one per host (" + plan.target() + ")" : procs(plan.target())).append('\n');
    out.append("  before: ").append(procs(r.procsBefore())).append(", ").append(r.inServiceBefore()).append(" in service");
    sim.previous().ifPresent(p -> out.append(", mostly release ").append(p.releaseHash()).append(" (version ")
        .append(p.version()).append(')'));
    out.append('\n');
    UpdatePolicy u = r.update();
    out.append("  update: max_parallel ").append(u.maxParallel()).append(" (").append(r.maxParallel())
        .append(" a wave), max_surge ").append(u.maxSurge().map(s -> s + " (at most " + r.maxProcs().get() + " procs)")
            .orElse("none"))
        .append(", min_in_service ").append(u.minInService()).append(" (").append(r.minInService()).append(')')
        .append(u.canary() > 0 ? ", canary " + u.canary() : "")
        .append(", min_healthy ").append(u.minHealthySeconds()).append(" s, drain ").append(u.drainSeconds())
        .append(" s, on_failure ").append(u.onFailure().wire()).append('\n');
    List<String> faults = new ArrayList<>();
    sim.scenario().faults().forEach(f -> faults.add(f.describe()));
    out.append("  faults: ").append(faults.isEmpty() ? "none" : String.join("; ", faults))
        .append(sim.scenario().revertCanary() ? "; the canary is reverted" : "").append('\n');
    StepSeconds s = sim.scenario().steps();
    out.append("  steps: start ").append(s.start()).append(" s, uptest ").append(s.uptest()).append(" s, route ")
        .append(s.route()).append(" s, stop ").append(s.stop())
        .append(" s (per proc, one after the other on a host, hosts in parallel)\n");
    waves(sim.waves(), "wave ", out);
    sim.revert().ifPresent(rv -> {
      SwarmPlan p = rv.rollout().plan();
      out.append("\nrevert (").append(rv.reason()).append("): release ").append(p.releaseHash()).append(", version ")
          .append(p.version()).append(", ").append(p.onePerHost() ? "one per host" : procs(p.target())).append(", ")
          .append(rv.waves().size() == 1 ? "1 wave" : rv.waves().size() + " waves").append(", same policy\n");
      waves(rv.waves(), "revert wave ", out);
    });
    out.append("\nOutcome: ").append(sim.outcome().wire()).append(". ").append(sim.summary()).append(".\n");
    out.append("After: ").append(sim.inService()).append(" in service");
    List<String> serving = new ArrayList<>();
    for (Serving sv : sim.serving()) {
      serving.add(sv.procs() + " of release " + sv.releaseHash() + " (version " + sv.version() + ")");
    }
    if (!serving.isEmpty()) {
      out.append(" (").append(String.join(", ", serving)).append(')');
    }
    out.append(", ").append(procs(sim.procs())).append(". ETA ").append(sim.etaSeconds()).append(" s")
        .append(r.hasCanary() && !sim.scenario().revertCanary() ? ", plus the canary's wait for `vr promote`" : "")
        .append(".\n");
    return out.toString();
  }

  private static void waves(List<SimulatedWave> waves, String label, StringBuilder out) {
    for (SimulatedWave w : waves) {
      out.append('\n').append(label).append(w.number()).append('/').append(w.of()).append(w.canary() ? " (canary)" : "")
          .append(": +").append(w.starts()).append(" -").append(w.stops());
      int routes = w.routeAdds() + w.routeRemoves();
      if (routes > 0) {
        out.append(" ~").append(routes).append(routes == 1 ? " route" : " routes");
      }
      if (w.outcome() == WaveOutcome.NOT_RUN) {
        out.append(": not run\n");
        continue;
      }
      out.append(", in service ").append(w.inService()).append(", procs ").append(w.procs()).append(", peak procs ")
          .append(w.peakProcs());
      HostPorts fullest = null;
      for (HostPorts h : w.peakPorts()) {
        if (fullest == null || h.used() > fullest.used()) {
          fullest = h;
        }
      }
      if (fullest != null) {
        out.append(", peak ports ").append(fullest);
      }
      out.append('\n');
      out.append("    ").append(w.outcome() == WaveOutcome.FAILED ? "FAILED" : "done").append(" after ").append(w.time().total()).append(" s (").append(time(w.time()))
          .append("), ETA ").append(w.etaSeconds()).append(" s\n");
      for (String n : w.notes()) {
        out.append("    ").append(n).append('\n');
      }
    }
  }

  private static String time(WaveTime t) {
    List<String> parts = new ArrayList<>();
    part(parts, "start", t.start());
    part(parts, "uptest", t.uptest());
    part(parts, "healthy", t.minHealthy());
    part(parts, "route", t.route());
    part(parts, "drain", t.drain());
    part(parts, "stop", t.stop());
    part(parts, "teardown", t.teardown());
    return parts.isEmpty() ? "no step takes time" : String.join(" + ", parts);
  }

  private static void part(List<String> parts, String name, int seconds) {
    if (seconds > 0) {
      parts.add(name + " " + seconds);
    }
  }

  private static String procs(int n) {
    return n + (n == 1 ? " proc" : " procs");
  }
}
