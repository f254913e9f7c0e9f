package io.velociraptor.core.plan;

import java.util.Locale;

/** Renders a plan for people, in the spirit of {@code nomad job plan}. */
final class PlanRenderer {
  private PlanRenderer() {}

  static String render(SwarmPlan plan) {
    StringBuilder out = new StringBuilder();
    header(plan, out);
    out.append('\n');
    actions(plan, out, true);
    reports(plan, out);
    if (plan.isNoop()) {
      out.append(plan.unplaced().isEmpty() && plan.unreachable().isEmpty() ? "" : "\n")
          .append("No changes.\n");
    } else {
      out.append("\nPlan: ").append(plan.summary()).append(".\n")
          .append("Order: start, uptest, route adds, route removes, stop.\n");
    }
    return out.toString();
  }

  /** The swarm, its release and size, its pool. */
  static void header(SwarmPlan plan, StringBuilder out) {
    out.append("swarm ").append(plan.swarmName()).append(" (id ").append(plan.swarmId()).append(") on squad ")
        .append(plan.squad()).append('\n');
    if (plan.buildPending()) {
      out.append("  build of version ").append(plan.version())
          .append(" pending: a dispatch builds it first; its release hash will replace ").append(plan.releaseHash())
          .append(" below\n");
    }
    out.append("  release ").append(plan.releaseHash()).append(", version ").append(plan.version()).append(", ");
    if (plan.deleting()) {
      out.append("being deleted");
    } else if (plan.onePerHost()) {
      out.append("one per host (").append(plan.target()).append(plan.target() == 1 ? " host)" : " hosts)");
    } else {
      out.append(plan.target()).append(plan.target() == 1 ? " proc" : " procs");
    }
    out.append('\n');
    if (plan.pool().isPresent()) {
      out.append("  pool ").append(plan.pool().get())
          .append(plan.routingKnown() ? "" : " (members unknown: adds the new procs, removes the stopped ones)")
          .append('\n');
    } else {
      out.append("  no pool: never routed\n");
    }
  }

  /** Starts, stops, keeps (when asked) and route changes, one line each. */
  static void actions(SwarmPlan plan, StringBuilder out, boolean withKeeps) {
    for (Start s : plan.starts()) {
      if (s.replaces().isPresent()) {
        out.append("+/- start ");
      } else {
        out.append("+   start ");
      }
      out.append(s.host()).append(':').append(s.port()).append("  ").append(s.name());
      s.replaces().ifPresent(r -> out.append("\n            replaces ").append(r));
      out.append('\n');
    }
    for (Stop s : plan.stops()) {
      out.append("-   stop  ").append(s.host()).append("  ").append(s.name()).append("  [").append(s.state()).append("]\n")
          .append("            ").append(words(s.reason()));
      if (!s.detail().isEmpty()) {
        out.append(": ").append(s.detail());
      }
      s.replacedBy().ifPresent(r -> out.append("; after ").append(r).append(" is uptested and routed"));
      out.append('\n');
    }
    for (Keep k : withKeeps ? plan.keeps() : java.util.List.<Keep>of()) {
      out.append("    keep  ").append(k.host()).append("  ").append(k.name()).append("  (").append(words(k.reason()))
          .append(")\n");
    }
    for (RouteChange r : plan.routeAdds()) {
      out.append("+   route ").append(r.pool()).append(" add ").append(r.member()).append("  (").append(words(r.reason()))
          .append(")\n");
    }
    for (RouteChange r : plan.routeRemoves()) {
      out.append("-   route ").append(r.pool()).append(" remove ").append(r.member()).append("  (")
          .append(words(r.reason())).append(")\n");
    }
  }

  /** What could not be placed and which hosts could not be seen. */
  static void reports(SwarmPlan plan, StringBuilder out) {
    for (Unplaced u : plan.unplaced()) {
      out.append("!   unplaced ").append(u.count()).append(u.host().map(h -> " on " + h).orElse("")).append(": ")
          .append(words(u.reason())).append(" (").append(u.detail()).append(")\n");
    }
    for (UnreachableHost h : plan.unreachable()) {
      out.append("?   unreachable ").append(h.host()).append(h.inSquad() ? " (in squad)" : "").append(": ")
          .append(h.reason());
      if (!h.procs().isEmpty()) {
        out.append("; not counted, not stopped: ");
        for (int i = 0; i < h.procs().size(); i++) {
          out.append(i == 0 ? "" : ", ").append(h.procs().get(i));
        }
      }
      out.append('\n');
    }
  }

  static String words(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
