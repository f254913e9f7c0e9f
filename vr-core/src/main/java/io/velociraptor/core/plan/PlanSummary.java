package io.velociraptor.core.plan;

/**
 * A plan's counts, for one-line reports.
 *
 * @param starts procs to start
 * @param replacements of those, how many replace a proc
 * @param stops procs to stop
 * @param keeps procs kept
 * @param routeAdds pool members to add
 * @param routeRemoves pool members to remove
 * @param unplaced procs wanted but not placed
 * @param unreachableHosts hosts that could not be observed and matter to the swarm
 */
public record PlanSummary(int starts, int replacements, int stops, int keeps, int routeAdds,
    int routeRemoves, int unplaced, int unreachableHosts) {

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    out.append(starts).append(" to start");
    if (replacements > 0) {
      out.append(" (").append(replacements).append(replacements == 1 ? " replaces a proc)" : " replace procs)");
    }
    out.append(", ").append(stops).append(" to stop, ").append(keeps).append(" kept, ")
        .append(routeAdds).append(" route add").append(routeAdds == 1 ? "" : "s").append(", ")
        .append(routeRemoves).append(" route remove").append(routeRemoves == 1 ? "" : "s");
    if (unplaced > 0) {
      out.append(", ").append(unplaced).append(" unplaced");
    }
    if (unreachableHosts > 0) {
      out.append(", ").append(unreachableHosts).append(" host").append(unreachableHosts == 1 ? "" : "s").append(" unreachable");
    }
    return out.toString();
  }
}
