package io.velociraptor.core.plan;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import java.util.Objects;

/**
 * What the planner converges to: a swarm and the hash of the release it resolves to. The program
 * names it starts are {@code app-<version name form>-config-hash-proc-port-swarmid}.
 *
 * @param swarm the swarm as it should be
 * @param releaseHash the hash of its resolved release
 */
public record DesiredSwarm(Swarm swarm, ReleaseHash releaseHash) {
  /**
   * @throws NullPointerException if a field is null
   * @param swarm the swarm
   * @param releaseHash the release hash
   */
  public DesiredSwarm {
    Objects.requireNonNull(swarm, "swarm");
    Objects.requireNonNull(releaseHash, "releaseHash");
  }

  /**
   * The swarm, to run at the release with that hash.
   *
   * @param swarm the swarm
   * @param releaseHash its release's hash
   * @return the desired swarm
   */
  public static DesiredSwarm of(Swarm swarm, ReleaseHash releaseHash) {
    return new DesiredSwarm(swarm, releaseHash);
  }

  /**
   * The swarm, to run at that release.
   *
   * @param swarm the swarm
   * @param release the release it resolved to
   * @return the desired swarm
   * @throws InvalidValueException if the release's build is of another app or version
   */
  public static DesiredSwarm of(Swarm swarm, Release release) {
    if (!release.build().app().equals(swarm.app()) || !release.build().version().equals(swarm.version())) {
      throw InvalidValueException.of("release", release.build().app() + "-" + release.build().version(),
          "is not of swarm " + swarm.name() + " (wants " + swarm.app() + "-" + swarm.version() + ")");
    }
    return new DesiredSwarm(swarm, release.hash());
  }
}
