package io.velociraptor.core.plan;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import java.util.Objects;

/**
 * What the planner converges to: a swarm and the hash of the release it resolves to. The program
 * names it starts are {@code app-<version name form>-config-hash-proc-port-swarmid}.
 *
 * <p>A swarm whose build does not exist yet has no release hash: {@link #pendingBuild} plans it
 * with {@link #PENDING_RELEASE} in the new procs' names and every proc of the swarm replaced (a
 * dispatch builds first, and the build decides the hash), as {@code nomad job plan} shows a new
 * version before it exists.
 *
 * @param swarm the swarm as it should be
 * @param releaseHash the hash of its resolved release ({@link #PENDING_RELEASE} while the build is pending)
 * @param buildPending whether the swarm's build does not exist yet
 */
public record DesiredSwarm(Swarm swarm, ReleaseHash releaseHash, boolean buildPending) {
  /** The release hash a plan shows for the new procs of a swarm whose build is pending. */
  public static final ReleaseHash PENDING_RELEASE = ReleaseHash.of("000000000000");

  /**
   * The desired swarm at a known release.
   *
   * @throws NullPointerException if a field is null
   * @throws InvalidValueException if a pending build is given a release hash other than {@link #PENDING_RELEASE}
   * @param swarm the swarm
   * @param releaseHash the release hash
   * @param buildPending whether the build does not exist yet
   */
  public DesiredSwarm {
    Objects.requireNonNull(swarm, "swarm");
    Objects.requireNonNull(releaseHash, "releaseHash");
    if (buildPending && !releaseHash.equals(PENDING_RELEASE)) {
      throw InvalidValueException.of("release hash", releaseHash, "cannot be known while the build is pending");
    }
  }

  /**
   * The desired swarm at a known release.
   *
   * @param swarm the swarm
   * @param releaseHash the release hash
   */
  public DesiredSwarm(Swarm swarm, ReleaseHash releaseHash) {
    this(swarm, releaseHash, false);
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
   * A swarm whose build does not exist yet: its plan replaces every proc of the swarm and says
   * the build is pending.
   *
   * @param swarm the swarm
   * @return the desired swarm
   */
  public static DesiredSwarm pendingBuild(Swarm swarm) {
    return new DesiredSwarm(swarm, PENDING_RELEASE, true);
  }

  /**
   * Resolves the swarm's release from the builds a snapshot carries, without a store: what a
   * tool does to plan a config change (env, settings, volumes, user, limits) offline against a
   * snapshot from {@code vr snapshot}. A build the snapshot lacks is pending.
   *
   * @param swarm the swarm
   * @param snapshot the snapshot, with {@link FleetSnapshot#builds()}
   * @return the desired swarm at its release, or with its build pending
   */
  public static DesiredSwarm resolve(Swarm swarm, FleetSnapshot snapshot) {
    return snapshot.build(swarm.app(), swarm.version()).filter(Build::isUsable)
        .map(b -> of(swarm, Release.of(swarm, b)))
        .orElseGet(() -> pendingBuild(swarm));
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
