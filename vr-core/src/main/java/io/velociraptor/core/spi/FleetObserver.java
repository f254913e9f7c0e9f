package io.velociraptor.core.spi;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostSnapshot;
import java.util.Collection;
import java.util.List;

/**
 * Observes many hosts at once. A host that refuses, times out or rejects the credentials is
 * reported {@linkplain HostSnapshot#reachable() unreachable} with the reason, never as a host with
 * no procs. The planner needs exactly that difference.
 */
public interface FleetObserver {

  /**
   * Observes the hosts concurrently, each within its own deadline.
   *
   * @param hosts the hosts (duplicates by name are observed once)
   * @return one snapshot per host, sorted by host name
   */
  List<HostSnapshot> observe(Collection<Host> hosts);
}
