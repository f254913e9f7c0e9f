package io.velociraptor.testkit;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.SwarmPlan;
import java.util.Objects;

/**
 * One planner input: the desired swarm, the fleet and the policy. {@link #toString()} is a
 * compact, readable listing so a shrunk failing case can be read in the test report.
 *
 * @param desired the desired swarm
 * @param fleet the fleet snapshot
 * @param policy the policy
 */
public record PlanCase(DesiredSwarm desired, FleetSnapshot fleet, PlanPolicy policy) {
  /**
   * A planner input.
   *
   * @param desired the desired swarm
   * @param fleet the fleet snapshot
   * @param policy the policy
   * @throws NullPointerException if a field is null
   */
  public PlanCase {
    Objects.requireNonNull(desired, "desired");
    Objects.requireNonNull(fleet, "fleet");
    Objects.requireNonNull(policy, "policy");
  }

  /** The planner's plan for this case. */
  public SwarmPlan plan() {
    return Planner.plan(desired, fleet, policy);
  }

  @Override
  public String toString() {
    Swarm s = desired.swarm();
    StringBuilder out = new StringBuilder();
    out.append("swarm ").append(s.id()).append(' ').append(s.name()).append(" squad ").append(s.squad())
        .append(s.onePerHost() ? " one-per-host" : " size " + s.size()).append(" version ").append(s.version())
        .append(" (").append(s.version().nameForm()).append(") hash ").append(desired.releaseHash())
        .append(s.pool().map(p -> " pool " + s.balancer().map(b -> b + "/").orElse("") + p).orElse(" no pool"))
        .append(policy.deleting() ? " DELETING" : "")
        .append(policy.restart().isEmpty() ? "" : " RESTART " + policy.restart()).append('\n');
    for (Squad sq : fleet.squads()) {
      out.append("  squad ").append(sq.name()).append(' ').append(sq.hosts()).append('\n');
    }
    for (HostSnapshot h : fleet.hosts()) {
      out.append("  host ").append(h.host().name()).append(" range ").append(h.host().portRange())
          .append(h.host().active() ? "" : " INACTIVE")
          .append(h.reachable() ? "" : " UNREACHABLE(" + h.unreachableReason().orElse("") + ")").append('\n');
      for (ObservedProc p : h.procs()) {
        out.append("    ").append(p.name()).append(' ').append(p.state());
        if (p.name().port().isEmpty() && p.port().isPresent()) {
          out.append(" port ").append(p.port().get());
        }
        out.append('\n');
      }
    }
    for (PortLock l : fleet.portLocks()) {
      out.append("  lock ").append(l.host()).append(':').append(l.port()).append('\n');
    }
    for (PoolState p : fleet.pools()) {
      out.append("  pool ").append(p.balancer()).append('/').append(p.pool()).append(' ').append(p.members()).append('\n');
    }
    for (PoolState p : policy.pools()) {
      out.append("  policy pool ").append(p.balancer()).append('/').append(p.pool()).append(' ').append(p.members()).append('\n');
    }
    return out.toString();
  }
}
