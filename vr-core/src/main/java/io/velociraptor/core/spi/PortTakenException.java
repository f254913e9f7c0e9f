package io.velociraptor.core.spi;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortLock;
import java.util.List;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * {@link Store#reserve} refused: some of the ports asked for are locked by another owner.
 * Nothing was reserved. Carries the conflicting locks.
 */
public final class PortTakenException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The host (structured field of the message). */
  private final HostName host;
  /** The conflicts (structured field of the message). */
  private final List<PortLock> conflicts;

  /**
   * Ports that could not be reserved because other runs hold them; the message lists each.
   *
   * @param location the store's location
   * @param host the host
   * @param owner who asked
   * @param conflicts the locks in the way, sorted
   */
  public PortTakenException(String location, HostName host, String owner, SortedSet<PortLock> conflicts) {
    super(location, "reserve ports on host " + host + " for " + owner,
        "already locked: " + conflicts.stream()
            .map(l -> l.port() + " by " + l.owner())
            .collect(Collectors.joining(", "))
            + "; nothing was reserved, plan again with fresh port locks", null);
    this.host = host;
    this.conflicts = List.copyOf(conflicts);
  }

  /** The host. */
  public HostName host() {
    return host;
  }

  /** The locks held by others on the ports asked for, sorted by port. */
  public List<PortLock> conflicts() {
    return conflicts;
  }
}
