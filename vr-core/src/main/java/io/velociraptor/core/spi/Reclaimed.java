package io.velociraptor.core.spi;

import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.SwarmRun;
import java.util.List;

/**
 * What {@link Store#reclaimStale()} cleared: runs whose owner was gone or silent past the TTL
 * (now {@code failed}), and the port locks released.
 *
 * @param failedRuns the abandoned runs, as marked failed, sorted by id
 * @param releasedLocks the locks released, sorted
 */
public record Reclaimed(List<SwarmRun> failedRuns, List<PortLock> releasedLocks) {
  /**
   * Copies the lists.
   * @param releasedLocks the released locks
   * @param failedRuns the failed runs
   */
  public Reclaimed {
    failedRuns = List.copyOf(failedRuns);
    releasedLocks = List.copyOf(releasedLocks);
  }

  /** Whether nothing was stale. */
  public boolean isEmpty() {
    return failedRuns.isEmpty() && releasedLocks.isEmpty();
  }
}
