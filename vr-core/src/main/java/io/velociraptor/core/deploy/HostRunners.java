package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.spi.CommandRunner;

/**
 * Gives the dispatcher a command runner for a host (local or SSH). The dispatcher never closes
 * what it gets: whoever supplies the runners owns them, so SSH sessions are reused across runs.
 */
@FunctionalInterface
public interface HostRunners {
  /**
   * Returns its runner.
   *
   * @param host a configured host
   * @return its runner
   */
  CommandRunner runner(Host host);
}
