package io.velociraptor.core.plan;

import io.velociraptor.core.model.UpdatePolicy;

/** Renders a rollout for people: the plan's header, the policy, then each wave's actions. */
final class RolloutRenderer {
  private RolloutRenderer() {}

  static String render(RolloutPlan rollout) {
    SwarmPlan plan = rollout.plan();
    if (rollout.waves().size() <= 1 && !rollout.hasCanary()) {
      return plan.render(); // one wave is today's single diff, rendered as it always was
    }
    StringBuilder out = new StringBuilder();
    PlanRenderer.header(plan, out);
    UpdatePolicy u = rollout.update();
    out.append("  update: max_parallel ").append(u.maxParallel()).append(" (").append(rollout.maxParallel())
        .append(" a wave), max_surge ").append(u.maxSurge().map(s -> s + " (at most " + rollout.maxProcs().get() + " procs)")
            .orElse("none"))
        .append(", min_in_service ").append(u.minInService()).append(" (").append(rollout.minInService()).append(')');
    if (u.canary() > 0) {
      out.append(", canary ").append(u.canary());
    }
    out.append('\n');
    out.append("  before: ").append(rollout.procsBefore()).append(rollout.procsBefore() == 1 ? " proc, " : " procs, ")
        .append(rollout.inServiceBefore()).append(" in service\n");
    int total = rollout.waves().size();
    for (Wave w : rollout.waves()) {
      SwarmPlan p = w.plan();
      out.append("\nwave ").append(w.number()).append('/').append(total).append(w.canary() ? " (canary)" : "")
          .append(": +").append(p.starts().size()).append(" -").append(p.stops().size());
      int routes = p.routeAdds().size() + p.routeRemoves().size();
      if (routes > 0) {
        out.append(" ~").append(routes).append(routes == 1 ? " route" : " routes");
      }
      out.append(", in service ").append(w.inService()).append(", peak procs ").append(w.peakProcs());
      w.fullestHost().ifPresent(h -> out.append(", peak ports ").append(h));
      out.append('\n');
      PlanRenderer.actions(p, out, false);
      if (w.canary()) {
        out.append("    pause: the run waits in state canary for `vr promote ").append(plan.swarmName())
            .append("` (continue) or `vr revert ").append(plan.swarmName()).append("` (retire the canaries)\n");
      }
    }
    if (!plan.unplaced().isEmpty() || !plan.unreachable().isEmpty()) {
      out.append('\n');
      PlanRenderer.reports(plan, out);
    }
    out.append("\nRollout: ").append(total).append(total == 1 ? " wave" : " waves").append(rollout.hasCanary() ? ", the first a canary" : "")
        .append(". Plan: ").append(plan.summary()).append(".\n")
        .append("Each wave: start, uptest")
        .append(u.minHealthySeconds() > 0 ? ", healthy " + u.minHealthySeconds() + " s" : "")
        .append(", route adds, route removes")
        .append(u.drainSeconds() > 0 ? ", drain " + u.drainSeconds() + " s" : "")
        .append(", stop.\n");
    return out.toString();
  }
}
