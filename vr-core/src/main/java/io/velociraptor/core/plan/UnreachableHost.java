package io.velociraptor.core.plan;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcName;
import java.util.List;
import java.util.Objects;

/**
 * A host the planner could not see: of the swarm's squad, or holding (last known) procs of the
 * swarm. Its procs are neither counted as running nor stopped; nothing is placed there.
 *
 * @param host the host
 * @param reason why it could not be observed
 * @param inSquad whether it is a host of the swarm's squad
 * @param procs the swarm's procs last known there, sorted
 */
public record UnreachableHost(HostName host, String reason, boolean inSquad, List<ProcName> procs)
    implements Comparable<UnreachableHost> {
  /**
   * @throws NullPointerException if a field is null
   * @param reason the reason
   * @param procs the procs
   * @param inSquad the in squad
   * @param host the host
   */
  public UnreachableHost {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(reason, "reason");
    procs = List.copyOf(procs);
  }

  /** Orders unreachable hosts by name. */
  @Override
  public int compareTo(UnreachableHost o) {
    return host.compareTo(o.host);
  }
}
